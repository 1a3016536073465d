// SPDX-License-Identifier: BSD-3-Clause
/* Draws the cnb kernel logos with Cairo: logo-32x32.png, logo-64x64.png
 * and logo-svg.svg, the same picture at each size: a C on a deep blue
 * rounded tile, with an orange cursor bar as in a notebook's prompt.
 *
 *   cc resources/draw-logos.c $(pkg-config --cflags --libs cairo) -lm -o draw-logos
 *   ./draw-logos resources
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>

static void rounded_tile(cairo_t *cr, double size)
{
    double r = size * 0.18, m = size * 0.03;
    cairo_new_sub_path(cr);
    cairo_arc(cr, size - m - r, m + r, r, -M_PI / 2, 0);
    cairo_arc(cr, size - m - r, size - m - r, r, 0, M_PI / 2);
    cairo_arc(cr, m + r, size - m - r, r, M_PI / 2, M_PI);
    cairo_arc(cr, m + r, m + r, r, M_PI, 3 * M_PI / 2);
    cairo_close_path(cr);
}

static void draw(cairo_t *cr, double size)
{
    rounded_tile(cr, size);
    cairo_set_source_rgb(cr, 0.08, 0.24, 0.52);
    cairo_fill(cr);
    /* The C: a thick open arc. */
    cairo_set_line_width(cr, size * 0.15);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_arc(cr, size * 0.42, size * 0.5, size * 0.25, M_PI * 0.28, M_PI * 1.72);
    cairo_stroke(cr);
    /* The prompt cursor. */
    cairo_set_source_rgb(cr, 1.0, 0.6, 0.1);
    cairo_rectangle(cr, size * 0.70, size * 0.60, size * 0.16, size * 0.13);
    cairo_fill(cr);
}

static int png(const char *dir, int size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/logo-%dx%d.png", dir, size, size);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    cairo_t *cr = cairo_create(surface);
    draw(cr, size);
    cairo_destroy(cr);
    cairo_status_t status = cairo_surface_write_to_png(surface, path);
    cairo_surface_destroy(surface);
    return status == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

static int svg(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/logo-svg.svg", dir);
    cairo_surface_t *surface = cairo_svg_surface_create(path, 64, 64);
    cairo_t *cr = cairo_create(surface);
    draw(cr, 64);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    return status == CAIRO_STATUS_SUCCESS ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    if (png(dir, 32) < 0 || png(dir, 64) < 0 || svg(dir) < 0) {
        fprintf(stderr, "draw-logos: cannot write the logos into %s\n", dir);
        return 1;
    }
    return 0;
}
