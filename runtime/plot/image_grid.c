// SPDX-License-Identifier: BSD-3-Clause
/* Image grids: every image pixel becomes a whole square of device pixels
 * (nearest filter, integer scale), so digits look crisp, not blurred. */
#include "image_grid.h"
#include "text.h"
#include "host/error_internal.h"

#include <math.h>
#include <stdint.h>

enum { MARGIN = 8, TITLE_GAP = 5, ROW_GAP = 14, COLUMN_GAP = 30, MAX_WIDTH = 1000 };

typedef struct GridLayout {
    double scale;               /* device pixels per image pixel: whole, or < 1 for big images */
    double image_w, image_h;    /* CSS pixels */
    double content_w;           /* the wider of an image and its widest title */
    double pitch, row_h, title_h, header_h, header_w;
    int rows;
} GridLayout;

static double scale_for(const ImageGrid *grid, int columns)
{
    int longest = grid->height > grid->width ? grid->height : grid->width;
    int size = grid->image_size > 0 ? grid->image_size : 98;
    double wanted = (double)size * FIGURE_DENSITY / longest;
    if (wanted < 0.5)
        return wanted;          /* a big picture is shrunk (smoothly) instead */
    int scale = (int)lround(wanted);
    /* Narrow enough for a notebook column: shrink the images, not the text. */
    while (scale > 1 && columns * ((double)grid->width * scale / FIGURE_DENSITY + COLUMN_GAP)
                            > MAX_WIDTH)
        scale--;
    return scale < 1 ? 1 : scale;
}

static GridLayout grid_layout(const ImageGrid *grid, cairo_t *cr)
{
    GridLayout layout = {.scale = scale_for(grid, grid->columns)};
    layout.image_w = (double)grid->width * layout.scale / FIGURE_DENSITY;
    layout.image_h = (double)grid->height * layout.scale / FIGURE_DENSITY;
    text_font(cr, grid->title_size, false);
    double widest = 0;
    for (int i = 0; grid->titles && i < grid->count; i++)
        widest = fmax(widest, text_width(cr, grid->titles[i]));
    layout.title_h = grid->titles ? text_height(cr) + TITLE_GAP : 0;
    layout.content_w = fmax(layout.image_w, widest);
    layout.pitch = ceil(fmax(layout.image_w + COLUMN_GAP, widest + 12));
    layout.row_h = ceil(layout.title_h + layout.image_h + ROW_GAP);
    layout.rows = (grid->count + grid->columns - 1) / grid->columns;
    if (grid->title && *grid->title) {
        text_font(cr, grid->title_size + 2, false);
        layout.header_h = ceil(text_height(cr) + 6);
        layout.header_w = text_width(cr, grid->title);
    }
    return layout;
}

/* Scales values to 0..255 between the image's own minimum and maximum, as
 * imshow does by default; a constant image is black (matplotlib too). */
static void fill_surface(cairo_surface_t *surface, const float *pixels, int channels, int h, int w)
{
    size_t n = (size_t)channels * h * w;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(pixels[i])) {
            lo = fminf(lo, pixels[i]);
            hi = fmaxf(hi, pixels[i]);
        }
    double factor = hi > lo ? 255.0 / (hi - lo) : 0;
    unsigned char *data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    size_t plane = (size_t)h * w;
    for (int y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < w; x++) {
            uint32_t rgb = 0;
            for (int c = 0; c < 3; c++) {
                float v = pixels[(channels == 3 ? c * plane : 0) + (size_t)y * w + x];
                uint32_t byte = isfinite(v) ? (uint32_t)lround((v - lo) * factor) : 0;
                rgb = rgb << 8 | (byte > 255 ? 255 : byte);
            }
            row[x] = rgb;
        }
    }
    cairo_surface_mark_dirty(surface);
}

static void draw_image(cairo_t *cr, cairo_surface_t *image, double x, double y,
                       const GridLayout *layout)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, layout->scale / FIGURE_DENSITY, layout->scale / FIGURE_DENSITY);
    cairo_set_source_surface(cr, image, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr),
                             layout->scale >= 1 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
    cairo_rectangle(cr, 0, 0, cairo_image_surface_get_width(image),
                    cairo_image_surface_get_height(image));
    cairo_fill(cr);
    cairo_restore(cr);
    /* A one-device-pixel frame just outside the image, like matplotlib's
     * axes spines, so light images keep their edge on the white page. */
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1.0 / FIGURE_DENSITY);
    double half = 0.5 / FIGURE_DENSITY;
    cairo_rectangle(cr, x - half, y - half, layout->image_w + 2 * half, layout->image_h + 2 * half);
    cairo_stroke(cr);
}

int image_grid_draw(const ImageGrid *grid_in, Figure *figure, const char *who)
{
    ImageGrid grid = *grid_in;
    if (grid.count <= 0 || grid.height <= 0 || grid.width <= 0
        || (grid.channels != 1 && grid.channels != 3))
        return cnb_error(who, "no images to show");
    if (grid.columns <= 0 || grid.columns > grid.count)
        grid.columns = grid.count;
    if (grid.title_size <= 0)
        grid.title_size = 15;
    /* Measure on a scratch context: the figure's size depends on the text. */
    cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *measure = cairo_create(scratch);
    GridLayout layout = grid_layout(&grid, measure);
    cairo_destroy(measure);
    cairo_surface_destroy(scratch);

    double grid_w = (grid.columns - 1) * layout.pitch + layout.content_w;
    int width = (int)ceil(2 * MARGIN + fmax(grid_w, layout.header_w));
    double offset = (width - 2 * MARGIN - grid_w) / 2;     /* centres a grid under a wide title */
    int height = (int)ceil(2 * MARGIN + layout.header_h + layout.rows * layout.row_h - ROW_GAP);
    if (figure_begin(figure, width, height, who) != 0)
        return -1;
    cairo_t *cr = figure->cr;
    if (layout.header_h > 0) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        text_font(cr, grid.title_size + 2, false);
        text_draw(cr, grid.title, width / 2.0, MARGIN, 0.5, 0, 0);
    }
    cairo_surface_t *image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, grid.width, grid.height);
    if (cairo_surface_status(image) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(image);
        figure_end(figure);
        return cnb_error(who, "out of memory for a %dx%d image", grid.width, grid.height);
    }
    text_font(cr, grid.title_size, false);
    for (int i = 0; i < grid.count; i++) {
        int row = i / grid.columns, column = i % grid.columns;
        double centre = MARGIN + offset + layout.content_w / 2 + column * layout.pitch;
        double top = MARGIN + layout.header_h + row * layout.row_h;
        /* Whole device pixels, so that image pixels stay whole squares. */
        double x = round((centre - layout.image_w / 2) * FIGURE_DENSITY) / FIGURE_DENSITY;
        double y = round((top + layout.title_h) * FIGURE_DENSITY) / FIGURE_DENSITY;
        fill_surface(image, grid.pixels[i], grid.channels, grid.height, grid.width);
        draw_image(cr, image, x, y, &layout);
        if (grid.titles && grid.titles[i]) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            text_draw(cr, grid.titles[i], centre, y - TITLE_GAP, 0.5, 1, 0);
        }
    }
    cairo_surface_destroy(image);
    return 0;
}
