// SPDX-License-Identifier: BSD-3-Clause
/* Colours: matplotlib's Blues map and tab10 cycle, and seaborn's rule for
 * readable annotation text. */
#ifndef CNB_PLOT_COLORMAP_H
#define CNB_PLOT_COLORMAP_H

#include <stdbool.h>

typedef struct Rgb { double r, g, b; } Rgb;

/* Blues at t in [0, 1], quantised to 256 entries as matplotlib does. */
Rgb blues(double t);
/* WCAG relative luminance of an sRGB colour. */
double relative_luminance(Rgb colour);
/* seaborn's annotation rule: dark text where the cell is light. */
Rgb annotation_colour(Rgb cell);
/* The i-th colour of matplotlib's default cycle (tab10). */
Rgb cycle_colour(int i);

#endif
