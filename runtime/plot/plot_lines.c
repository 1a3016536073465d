// SPDX-License-Identifier: BSD-3-Clause
/* Line charts for training curves: round ticks, a light grid, one colour
 * per series from matplotlib's cycle, and a legend in the emptiest corner
 * (matplotlib's loc='best'). */
#include "cnb/plot.h"
#include "host/error_internal.h"
#include "colormap.h"
#include "figure.h"
#include "text.h"
#include "ticks.h"

#include <math.h>
#include <stdio.h>

enum { WIDTH = 640, HEIGHT = 400, MARGIN = 10, TICK = 4, PAD = 4, MAX_SERIES = 10,
       MARKER_LIMIT = 40, LEGEND_SAMPLE = 24 };
static const double TICK_FONT = 12, TITLE_FONT = 15, AXIS_FONT = 13, LEGEND_FONT = 12;

typedef struct Chart {
    const Series *series;
    int nseries, longest;
    const double *x;            /* NULL: 1, 2, 3, ... */
    double x_lo, x_hi, y_lo, y_hi;
    Ticks x_ticks, y_ticks;
    double left, top, right, bottom;    /* the plot area in CSS pixels */
    PlotOptions options;
} Chart;

static double x_of(const Chart *chart, int i)
{
    return chart->x ? chart->x[i] : i + 1;
}

static double px(const Chart *chart, double x)
{
    return chart->left + (x - chart->x_lo) / (chart->x_hi - chart->x_lo) * (chart->right - chart->left);
}

static double py(const Chart *chart, double y)
{
    return chart->bottom - (y - chart->y_lo) / (chart->y_hi - chart->y_lo) * (chart->bottom - chart->top);
}

/* Data limits plus 5% on each side, as matplotlib's default margins. */
static void widen(double *lo, double *hi)
{
    double range = *hi - *lo;
    if (range <= 0)
        range = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
    *lo -= 0.05 * range;
    *hi += 0.05 * range;
}

static int chart_limits(Chart *chart)
{
    double ylo = INFINITY, yhi = -INFINITY, xlo = INFINITY, xhi = -INFINITY;
    bool whole_x = true;
    for (int s = 0; s < chart->nseries; s++)
        for (int i = 0; i < chart->series[s].count; i++) {
            double x = x_of(chart, i), y = chart->series[s].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            ylo = fmin(ylo, y), yhi = fmax(yhi, y);
            xlo = fmin(xlo, x), xhi = fmax(xhi, x);
            whole_x = whole_x && x == floor(x);
        }
    if (!isfinite(ylo))
        return cnb_error("plot_lines", "no finite values to plot");
    widen(&ylo, &yhi);
    widen(&xlo, &xhi);
    chart->x_lo = xlo, chart->x_hi = xhi, chart->y_lo = ylo, chart->y_hi = yhi;
    chart->x_ticks = ticks_in(xlo, xhi, 10, whole_x);
    chart->y_ticks = ticks_in(ylo, yhi, 8, false);
    return 0;
}

static double widest_label(cairo_t *cr, const Ticks *ticks)
{
    char label[32];
    double w = 0;
    for (int i = 0; i < ticks->count; i++) {
        ticks_label(ticks, ticks->value[i], label, sizeof label);
        w = fmax(w, text_width(cr, label));
    }
    return w;
}

static bool has_text(const char *s)
{
    return s && *s;
}

static void chart_layout(Chart *chart, cairo_t *cr)
{
    text_font(cr, TICK_FONT, false);
    double labels_w = widest_label(cr, &chart->y_ticks), line = text_height(cr);
    text_font(cr, AXIS_FONT, false);
    double axis_h = text_height(cr);
    text_font(cr, TITLE_FONT, false);
    double title_h = has_text(chart->options.title) ? text_height(cr) + 8 : 0;
    chart->left = ceil(MARGIN + (has_text(chart->options.ylabel) ? axis_h + 6 : 0) + labels_w + TICK + PAD);
    chart->top = ceil(MARGIN + title_h + 4);
    chart->right = WIDTH - MARGIN - 12;
    chart->bottom = floor(HEIGHT - MARGIN - (has_text(chart->options.xlabel) ? axis_h + 6 : 0)
                          - line - TICK - PAD);
}

static void draw_axes(cairo_t *cr, const Chart *chart)
{
    char label[32];
    cairo_set_line_width(cr, 1);
    /* Grid lines first, under everything. */
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    for (int i = 0; i < chart->y_ticks.count; i++) {
        double y = round(py(chart, chart->y_ticks.value[i])) + 0.5;
        cairo_move_to(cr, chart->left, y);
        cairo_line_to(cr, chart->right, y);
    }
    for (int i = 0; i < chart->x_ticks.count; i++) {
        double x = round(px(chart, chart->x_ticks.value[i])) + 0.5;
        cairo_move_to(cr, x, chart->top);
        cairo_line_to(cr, x, chart->bottom);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_rectangle(cr, chart->left, chart->top, chart->right - chart->left, chart->bottom - chart->top);
    cairo_stroke(cr);
    text_font(cr, TICK_FONT, false);
    for (int i = 0; i < chart->y_ticks.count; i++) {
        double y = round(py(chart, chart->y_ticks.value[i])) + 0.5;
        cairo_move_to(cr, chart->left, y);
        cairo_line_to(cr, chart->left - TICK, y);
        cairo_stroke(cr);
        ticks_label(&chart->y_ticks, chart->y_ticks.value[i], label, sizeof label);
        text_draw(cr, label, chart->left - TICK - PAD, y, 1, 0.5, 0);
    }
    for (int i = 0; i < chart->x_ticks.count; i++) {
        double x = round(px(chart, chart->x_ticks.value[i])) + 0.5;
        cairo_move_to(cr, x, chart->bottom);
        cairo_line_to(cr, x, chart->bottom + TICK);
        cairo_stroke(cr);
        ticks_label(&chart->x_ticks, chart->x_ticks.value[i], label, sizeof label);
        text_draw(cr, label, x, chart->bottom + TICK + PAD, 0.5, 0, 0);
    }
}

static void draw_labels(cairo_t *cr, const Chart *chart)
{
    cairo_set_source_rgb(cr, 0, 0, 0);
    double centre_x = (chart->left + chart->right) / 2, centre_y = (chart->top + chart->bottom) / 2;
    if (has_text(chart->options.title)) {
        text_font(cr, TITLE_FONT, false);
        text_draw(cr, chart->options.title, centre_x, chart->top - 8, 0.5, 1, 0);
    }
    text_font(cr, AXIS_FONT, false);
    if (has_text(chart->options.xlabel))
        text_draw(cr, chart->options.xlabel, centre_x, HEIGHT - MARGIN, 0.5, 1, 0);
    if (has_text(chart->options.ylabel))
        text_draw(cr, chart->options.ylabel, MARGIN, centre_y, 0.5, 0, 90);
}

static void draw_series(cairo_t *cr, const Chart *chart)
{
    cairo_save(cr);
    cairo_rectangle(cr, chart->left, chart->top, chart->right - chart->left, chart->bottom - chart->top);
    cairo_clip(cr);
    cairo_set_line_width(cr, 2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (int s = 0; s < chart->nseries; s++) {
        const Series *series = &chart->series[s];
        Rgb c = cycle_colour(s);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        bool drawing = false;   /* a NaN breaks the line */
        for (int i = 0; i < series->count; i++) {
            double x = x_of(chart, i), y = series->y[i];
            if (!isfinite(x) || !isfinite(y)) {
                drawing = false;
                continue;
            }
            if (drawing)
                cairo_line_to(cr, px(chart, x), py(chart, y));
            else
                cairo_move_to(cr, px(chart, x), py(chart, y));
            drawing = true;
        }
        cairo_stroke(cr);
        for (int i = 0; series->count <= MARKER_LIMIT && i < series->count; i++) {
            double x = x_of(chart, i), y = series->y[i];
            if (isfinite(x) && isfinite(y)) {
                cairo_new_sub_path(cr);
                cairo_arc(cr, px(chart, x), py(chart, y), 3, 0, 2 * M_PI);
            }
        }
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

/* How much of the data a box at (x, y, w, h) would hide: points along
 * every segment that fall inside it. */
static int covered(const Chart *chart, double x, double y, double w, double h)
{
    int hits = 0;
    for (int s = 0; s < chart->nseries; s++)
        for (int i = 0; i + 1 < chart->series[s].count; i++)
            for (int k = 0; k <= 8; k++) {
                double t = k / 8.0;
                double ax = px(chart, x_of(chart, i)), ay = py(chart, chart->series[s].y[i]);
                double bx = px(chart, x_of(chart, i + 1)), by = py(chart, chart->series[s].y[i + 1]);
                double qx = ax + t * (bx - ax), qy = ay + t * (by - ay);
                hits += qx >= x && qx <= x + w && qy >= y && qy <= y + h;
            }
    return hits;
}

static void draw_legend(cairo_t *cr, const Chart *chart)
{
    int labelled = 0;
    double widest = 0;
    text_font(cr, LEGEND_FONT, false);
    for (int s = 0; s < chart->nseries; s++)
        if (has_text(chart->series[s].label)) {
            labelled++;
            widest = fmax(widest, text_width(cr, chart->series[s].label));
        }
    if (!labelled)
        return;
    double line = text_height(cr) + 3;
    double w = ceil(8 + LEGEND_SAMPLE + 8 + widest + 8), h = ceil(6 + labelled * line + 4);
    /* Corners in matplotlib's order of preference: upper right first. */
    double inset = 8;
    double xs[] = {chart->right - inset - w, chart->left + inset, chart->left + inset, chart->right - inset - w};
    double ys[] = {chart->top + inset, chart->top + inset, chart->bottom - inset - h, chart->bottom - inset - h};
    int best = 0, least = -1;
    for (int i = 0; i < 4; i++) {
        int hits = covered(chart, xs[i], ys[i], w, h);
        if (least < 0 || hits < least)
            best = i, least = hits;
    }
    double x = round(xs[best]) + 0.5, y = round(ys[best]) + 0.5;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    double row = y + 6 + line / 2;
    for (int s = 0; s < chart->nseries; s++) {
        if (!has_text(chart->series[s].label))
            continue;
        Rgb c = cycle_colour(s);
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
        cairo_set_line_width(cr, 2);
        cairo_move_to(cr, x + 8, row);
        cairo_line_to(cr, x + 8 + LEGEND_SAMPLE, row);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        text_draw(cr, chart->series[s].label, x + 16 + LEGEND_SAMPLE, row, 0, 0.5, 0);
        row += line;
    }
}

int plot_lines_with(const Series *series, int nseries, PlotOptions options)
{
    if (!series || nseries < 1 || nseries > MAX_SERIES)
        return cnb_error("plot_lines", "needs 1 to %d series", MAX_SERIES);
    Chart chart = {.series = series, .nseries = nseries, .x = options.x, .options = options};
    for (int s = 0; s < nseries; s++) {
        if (!series[s].y || series[s].count < 1)
            return cnb_error("plot_lines", "series %d has no values", s);
        if (series[s].count > chart.longest)
            chart.longest = series[s].count;
    }
    if (chart_limits(&chart) != 0)
        return -1;
    Figure figure;
    if (figure_begin(&figure, WIDTH, HEIGHT, "plot_lines") != 0)
        return -1;
    chart_layout(&chart, figure.cr);
    draw_axes(figure.cr, &chart);
    draw_series(figure.cr, &chart);
    draw_legend(figure.cr, &chart);
    draw_labels(figure.cr, &chart);
    char description[64];
    snprintf(description, sizeof description, "Line chart with %d series", nseries);
    return figure_show(&figure, description);
}
