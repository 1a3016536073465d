// SPDX-License-Identifier: BSD-3-Clause
/* Tick positions at round numbers, as matplotlib's MaxNLocator picks them. */
#ifndef CNB_PLOT_TICKS_H
#define CNB_PLOT_TICKS_H

#include <stdbool.h>

#define TICKS_MAX 16

typedef struct Ticks {
    double value[TICKS_MAX];
    int count;
    double step;
    int decimals;               /* digits after the point for the labels */
} Ticks;

/* Ticks at multiples of 1, 2, 2.5 or 5 times a power of ten that lie in
 * [lo, hi], at most max_ticks of them; integer_only keeps steps whole. */
Ticks ticks_in(double lo, double hi, int max_ticks, bool integer_only);
/* The label of a tick value, e.g. "0.25" or "500". */
void ticks_label(const Ticks *ticks, double value, char *out, int size);

#endif
