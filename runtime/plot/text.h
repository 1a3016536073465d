// SPDX-License-Identifier: BSD-3-Clause
/* Text in figures: DejaVu Sans (found through fontconfig), UTF-8, laid out
 * with explicit alignment so callers never do font arithmetic. */
#ifndef CNB_PLOT_TEXT_H
#define CNB_PLOT_TEXT_H

#include <cairo.h>
#include <stdbool.h>

/* Selects the figure font at size CSS pixels. */
void text_font(cairo_t *cr, double size, bool bold);
/* Advance width of the text in the current font. */
double text_width(cairo_t *cr, const char *text);
/* Height from the top of the tallest letter to the bottom of the lowest. */
double text_height(cairo_t *cr);

/* Draws text so that the point (x, y) sits at the fraction (halign, valign)
 * of its box: (0, 0) top left, (0.5, 0.5) centre, (1, 1) bottom right.
 * angle in degrees, counter-clockwise, about (x, y).  Invalid UTF-8 is
 * shown as '?' instead of putting the Cairo context in an error state. */
void text_draw(cairo_t *cr, const char *text, double x, double y,
               double halign, double valign, double angle);

#endif
