// SPDX-License-Identifier: BSD-3-Clause
/* A figure: a Cairo image surface drawn at twice the shown size, so that
 * pictures stay sharp on high-density screens and in exported HTML (what
 * matplotlib's "retina" inline mode does).  All drawing code works in CSS
 * pixels; the 2x scale is applied once, here. */
#ifndef CNB_PLOT_FIGURE_H
#define CNB_PLOT_FIGURE_H

#include <cairo.h>
#include <stddef.h>
#include "cnb/host.h"

/* Device pixels per CSS pixel. */
#define FIGURE_DENSITY 2

typedef struct Figure {
    cairo_surface_t *surface;
    cairo_t *cr;
    int width, height;          /* CSS pixels, as shown in the notebook */
} Figure;

/* A white figure of width x height CSS pixels; 0 on success. */
int figure_begin(Figure *figure, int width, int height, const char *who);
void figure_end(Figure *figure);

/* The figure as PNG bytes (malloc'd), or NULL. */
unsigned char *figure_png(Figure *figure, size_t *size);
/* A bundle with image/png (width/height metadata in CSS pixels) and a
 * text/plain description for consoles; NULL on failure. */
CnbBundle *figure_bundle(Figure *figure, const char *description);
/* Publishes the figure as display_data, then ends it; 0 on success. */
int figure_show(Figure *figure, const char *description);

/* Encodes a Cairo image surface as PNG in memory. */
unsigned char *png_from_surface(cairo_surface_t *surface, size_t *size);

#endif
