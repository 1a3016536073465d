// SPDX-License-Identifier: BSD-3-Clause
/* The confusion matrix as seaborn draws heatmap(cm, annot=True, fmt='d',
 * cmap='Blues'): Blues cells scaled from the smallest to the largest count,
 * each count written in dark grey or white by seaborn's luminance rule,
 * class names on both axes, axis labels, a title and a colour bar. */
#include "cnb/plot.h"
#include "host/error_internal.h"
#include "host/object.h"
#include "colormap.h"
#include "figure.h"
#include "text.h"
#include "ticks.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { MARGIN = 10, MAX_CLASSES = 200, LABEL_LENGTH = 32, TICK = 4, PAD = 4,
       BAR_GAP = 24, BAR_WIDTH = 18 };
static const double TICK_FONT = 12.5, TITLE_FONT = 15, AXIS_FONT = 13.5, ANNOTATION_FONT = 13;
/* Class names shrink with small cells (many classes) so they stay apart. */
#define NAME_FONT(layout) fmin(TICK_FONT, fmax(8, 0.6 * (layout)->cell))

typedef struct Heatmap {
    int n;
    const float *counts;        /* n x n, row = truth, column = prediction */
    double lo, hi;              /* colour scale */
    const char *names[MAX_CLASSES];
    char numbers[MAX_CLASSES][8];   /* "0".."n-1" when there are no names */
    char format[8];
    const char *title, *xlabel, *ylabel;
} Heatmap;

typedef struct HeatmapLayout {
    int cell, left, top, side;  /* the matrix occupies [left, left+side) x [top, top+side) */
    bool rotate_x;
    double annotation_font;
    int width, height;
    double bar_left;
} HeatmapLayout;

static double widest(cairo_t *cr, const char *const *texts, int n)
{
    double w = 0;
    for (int i = 0; i < n; i++)
        w = fmax(w, text_width(cr, texts[i]));
    return w;
}

static bool has_text(const char *s)
{
    return s && *s;
}

static Ticks bar_ticks(const Heatmap *map)
{
    return ticks_in(map->lo, map->hi, 7, false);
}

static double widest_tick_label(cairo_t *cr, const Heatmap *map)
{
    Ticks ticks = bar_ticks(map);
    double w = 0;
    char label[32];
    for (int i = 0; i < ticks.count; i++) {
        ticks_label(&ticks, ticks.value[i], label, sizeof label);
        w = fmax(w, text_width(cr, label));
    }
    return w;
}

/* The size of every part follows from the texts it must hold. */
static HeatmapLayout heatmap_layout(const Heatmap *map, cairo_t *cr)
{
    HeatmapLayout layout = {0};
    int cell = 500 / map->n;
    layout.cell = cell < 18 ? 18 : cell > 64 ? 64 : cell;
    layout.side = layout.cell * map->n;

    text_font(cr, NAME_FONT(&layout), false);
    double names_w = widest(cr, map->names, map->n), line = text_height(cr);
    layout.rotate_x = names_w + PAD > layout.cell;
    text_font(cr, TICK_FONT, false);
    double bar_labels_w = widest_tick_label(cr, map);
    text_font(cr, AXIS_FONT, false);
    double axis_h = text_height(cr);
    text_font(cr, TITLE_FONT, false);
    double title_h = has_text(map->title) ? text_height(cr) + 8 : 0;

    layout.left = (int)ceil(MARGIN + (has_text(map->ylabel) ? axis_h + 6 : 0) + names_w + TICK + PAD);
    layout.top = (int)ceil(MARGIN + title_h);
    double x_names_h = layout.rotate_x ? names_w : line;
    int bottom = (int)ceil(TICK + PAD + x_names_h + (has_text(map->xlabel) ? 6 + axis_h : 0) + MARGIN);
    layout.bar_left = layout.left + layout.side + BAR_GAP;
    layout.width = (int)ceil(layout.bar_left + BAR_WIDTH + TICK + PAD + bar_labels_w + MARGIN);
    layout.height = layout.top + layout.side + bottom;

    /* Counts must fit their cells: shrink the font for big numbers. */
    char text[32];
    snprintf(text, sizeof text, map->format, map->hi);
    layout.annotation_font = ANNOTATION_FONT;
    text_font(cr, layout.annotation_font, false);
    while (layout.annotation_font > 6 && text_width(cr, text) > layout.cell - 4) {
        layout.annotation_font -= 0.5;
        text_font(cr, layout.annotation_font, false);
    }
    return layout;
}

static Rgb cell_colour(const Heatmap *map, double value)
{
    return blues(map->hi > map->lo ? (value - map->lo) / (map->hi - map->lo) : 0);
}

static void draw_cells(cairo_t *cr, const Heatmap *map, const HeatmapLayout *layout)
{
    char text[32];
    text_font(cr, layout->annotation_font, false);
    for (int row = 0; row < map->n; row++)
        for (int column = 0; column < map->n; column++) {
            double value = map->counts[row * map->n + column];
            double x = layout->left + column * layout->cell, y = layout->top + row * layout->cell;
            Rgb colour = cell_colour(map, value);
            cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
            cairo_rectangle(cr, x, y, layout->cell, layout->cell);
            cairo_fill(cr);
            Rgb ink = annotation_colour(colour);
            cairo_set_source_rgb(cr, ink.r, ink.g, ink.b);
            snprintf(text, sizeof text, map->format, value);
            text_draw(cr, text, x + layout->cell / 2.0, y + layout->cell / 2.0, 0.5, 0.5, 0);
        }
}

static void tick_line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

static void draw_class_names(cairo_t *cr, const Heatmap *map, const HeatmapLayout *layout)
{
    double bottom = layout->top + layout->side;
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1);
    text_font(cr, NAME_FONT(layout), false);
    for (int i = 0; i < map->n; i++) {
        double middle = i * layout->cell + layout->cell / 2.0;
        /* Ticks sit between device pixels' centres so they stay 2 px sharp. */
        tick_line(cr, layout->left, layout->top + middle, layout->left - TICK, layout->top + middle);
        text_draw(cr, map->names[i], layout->left - TICK - PAD, layout->top + middle, 1, 0.5, 0);
        tick_line(cr, layout->left + middle, bottom, layout->left + middle, bottom + TICK);
        if (layout->rotate_x)
            text_draw(cr, map->names[i], layout->left + middle, bottom + TICK + PAD, 1, 0.5, 90);
        else
            text_draw(cr, map->names[i], layout->left + middle, bottom + TICK + PAD, 0.5, 0, 0);
    }
}

static void draw_labels(cairo_t *cr, const Heatmap *map, const HeatmapLayout *layout)
{
    cairo_set_source_rgb(cr, 0, 0, 0);
    double centre = layout->left + layout->side / 2.0;
    if (has_text(map->title)) {
        text_font(cr, TITLE_FONT, false);
        text_draw(cr, map->title, centre, layout->top - 8, 0.5, 1, 0);
    }
    text_font(cr, AXIS_FONT, false);
    if (has_text(map->xlabel))
        text_draw(cr, map->xlabel, centre, layout->height - MARGIN, 0.5, 1, 0);
    if (has_text(map->ylabel))
        text_draw(cr, map->ylabel, MARGIN, layout->top + layout->side / 2.0, 0.5, 0, 90);
}

/* The bar: 256 strips as matplotlib's colorbar, then ticks at round counts. */
static void draw_colour_bar(cairo_t *cr, const Heatmap *map, const HeatmapLayout *layout)
{
    cairo_surface_t *strip = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 256);
    unsigned char *data = cairo_image_surface_get_data(strip);
    int stride = cairo_image_surface_get_stride(strip);
    for (int i = 0; i < 256; i++) {
        Rgb c = blues((255 - i + 0.5) / 256);
        *(uint32_t *)(data + i * stride) = (uint32_t)lround(c.r * 255) << 16
                                         | (uint32_t)lround(c.g * 255) << 8 | (uint32_t)lround(c.b * 255);
    }
    cairo_surface_mark_dirty(strip);
    cairo_save(cr);
    cairo_translate(cr, layout->bar_left, layout->top);
    cairo_scale(cr, BAR_WIDTH, layout->side / 256.0);
    cairo_set_source_surface(cr, strip, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, 1, 256);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(strip);

    Ticks ticks = bar_ticks(map);
    char label[32];
    double right = layout->bar_left + BAR_WIDTH;
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1);
    text_font(cr, TICK_FONT, false);
    for (int i = 0; i < ticks.count; i++) {
        double t = map->hi > map->lo ? (ticks.value[i] - map->lo) / (map->hi - map->lo) : 0;
        double y = layout->top + layout->side * (1 - t);
        y = round(y * FIGURE_DENSITY) / FIGURE_DENSITY;
        tick_line(cr, right, y, right + TICK, y);
        ticks_label(&ticks, ticks.value[i], label, sizeof label);
        text_draw(cr, label, right + TICK + PAD, y, 0, 0.5, 0);
    }
}

static int heatmap_init(Heatmap *map, const Tensor *matrix, ConfusionMatrixOptions *options)
{
    if (!matrix)
        return cnb_error("show_confusion_matrix", "no matrix (the tensor is NULL)");
    int n = tensor_dim(matrix, 0);
    if (tensor_ndim(matrix) != 2 || n != tensor_dim(matrix, 1) || n < 1 || n > MAX_CLASSES)
        return cnb_error("show_confusion_matrix", "expected a square matrix [C, C] with 1 to %d classes",
                         MAX_CLASSES);
    map->n = n;
    map->counts = tensor_cdata(matrix);
    if (!map->counts)
        return cnb_error("show_confusion_matrix", "cannot read the matrix");
    map->lo = INFINITY;
    map->hi = -INFINITY;
    bool whole = true;
    for (int i = 0; i < n * n; i++) {
        double v = map->counts[i];
        if (!isfinite(v))
            return cnb_error("show_confusion_matrix", "the matrix holds a value that is not finite");
        map->lo = fmin(map->lo, v);
        map->hi = fmax(map->hi, v);
        whole = whole && v == floor(v);
    }
    snprintf(map->format, sizeof map->format, whole ? "%%.0f" : "%%.2f");
    for (int i = 0; i < n; i++) {
        snprintf(map->numbers[i], sizeof map->numbers[i], "%d", i);
        map->names[i] = options->class_names && options->class_names[i] ? options->class_names[i]
                                                                         : map->numbers[i];
    }
    map->title = options->title;
    map->xlabel = options->xlabel ? options->xlabel : "Vorhergesagte Klasse";
    map->ylabel = options->ylabel ? options->ylabel : "Tatsächliche Klasse";
    return 0;
}

int show_confusion_matrix_with(const Tensor *matrix, ConfusionMatrixOptions options)
{
    if (object_dead(matrix, OBJECT_TENSOR, "show_confusion_matrix"))
        return -1;
    Heatmap map;
    if (heatmap_init(&map, matrix, &options) != 0)
        return -1;
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *measure = cairo_create(scratch);
    HeatmapLayout layout = heatmap_layout(&map, measure);
    cairo_destroy(measure);
    cairo_surface_destroy(scratch);

    Figure figure;
    if (figure_begin(&figure, layout.width, layout.height, "show_confusion_matrix") != 0)
        return -1;
    draw_cells(figure.cr, &map, &layout);
    draw_class_names(figure.cr, &map, &layout);
    draw_labels(figure.cr, &map, &layout);
    draw_colour_bar(figure.cr, &map, &layout);
    char description[64];
    snprintf(description, sizeof description, "Confusion matrix %dx%d", map.n, map.n);
    return figure_show(&figure, description);
}
