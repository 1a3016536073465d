// SPDX-License-Identifier: BSD-3-Clause
/* Figures: a white 2x surface, then PNG display data with the shown size. */
#include "figure.h"
#include "cnb/display.h"
#include "host/error_internal.h"

#include <stdio.h>
#include <stdlib.h>

int figure_begin(Figure *figure, int width, int height, const char *who)
{
    *figure = (Figure){.width = width, .height = height};
    if (width <= 0 || height <= 0 || width > 8000 || height > 8000)
        return cnb_error(who, "a figure of %dx%d pixels is not possible", width, height);
    figure->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width * FIGURE_DENSITY,
                                                 height * FIGURE_DENSITY);
    figure->cr = cairo_create(figure->surface);
    if (cairo_status(figure->cr) != CAIRO_STATUS_SUCCESS) {
        figure_end(figure);
        return cnb_error(who, "out of memory for a %dx%d figure", width, height);
    }
    cairo_scale(figure->cr, FIGURE_DENSITY, FIGURE_DENSITY);
    cairo_set_source_rgb(figure->cr, 1, 1, 1);
    cairo_paint(figure->cr);
    return 0;
}

void figure_end(Figure *figure)
{
    if (figure->cr)
        cairo_destroy(figure->cr);
    if (figure->surface)
        cairo_surface_destroy(figure->surface);
    figure->cr = NULL;
    figure->surface = NULL;
}

unsigned char *figure_png(Figure *figure, size_t *size)
{
    cairo_status_t status = cairo_status(figure->cr);
    if (status != CAIRO_STATUS_SUCCESS) {
        cnb_error("figure", "drawing failed: %s", cairo_status_to_string(status));
        return NULL;
    }
    return png_from_surface(figure->surface, size);
}

CnbBundle *figure_bundle(Figure *figure, const char *description)
{
    size_t size = 0;
    unsigned char *png = figure_png(figure, &size);
    if (!png)
        return NULL;
    CnbBundle *bundle = bundle_new();
    char metadata[64], plain[256];
    snprintf(metadata, sizeof metadata, "{\"width\": %d, \"height\": %d}", figure->width,
             figure->height);
    snprintf(plain, sizeof plain, "<%s, %dx%d>", description, figure->width, figure->height);
    if (!bundle || bundle_add(bundle, "image/png", png, size) != 0
        || bundle_set_metadata(bundle, "image/png", metadata) != 0
        || bundle_add_text(bundle, "text/plain", plain) != 0) {
        bundle_free(bundle);
        bundle = NULL;
    }
    free(png);
    return bundle;
}

int figure_show(Figure *figure, const char *description)
{
    CnbBundle *bundle = figure_bundle(figure, description);
    figure_end(figure);
    if (!bundle)
        return -1;
    int status = display_bundle(bundle, NULL, false);
    bundle_free(bundle);
    return status;
}
