// SPDX-License-Identifier: BSD-3-Clause
/* A grid of small images with a title over each, as plt.subplot + imshow
 * (cmap='gray', interpolation='none') + title draws it. */
#ifndef CNB_PLOT_IMAGE_GRID_H
#define CNB_PLOT_IMAGE_GRID_H

#include "figure.h"

typedef struct ImageGrid {
    int count, columns;
    int channels, height, width;    /* of every image; channels 1 (gray) or 3 (RGB) */
    const float *const *pixels;     /* count images, each channels x height x width */
    const char *const *titles;      /* count titles (entries may be NULL), or NULL */
    const char *title;              /* over the whole grid, or NULL */
    int image_size;                 /* CSS pixels of an image's longer side (default 98) */
    double title_size;              /* font size of the titles (default 15) */
} ImageGrid;

/* Lays out and draws the grid into a new figure; 0 on success. */
int image_grid_draw(const ImageGrid *grid, Figure *figure, const char *who);

#endif
