// SPDX-License-Identifier: BSD-3-Clause
/* Round tick values: the first step of 1, 2, 2.5 or 5 times a power of ten
 * that gives few enough ticks, as matplotlib's MaxNLocator does. */
#include "ticks.h"

#include <math.h>
#include <stdio.h>

static int tick_count(double lo, double hi, double step)
{
    return (int)(floor(hi / step + 1e-6) - ceil(lo / step - 1e-6)) + 1;
}

static double first_step(double lo, double hi, int max_ticks, bool integer_only)
{
    static const double MULTIPLES[] = {1, 2, 2.5, 5};
    double range = hi - lo;
    double scale = pow(10, floor(log10(range / max_ticks)));
    if (integer_only && scale < 1)
        scale = 1;
    for (;; scale *= 10)
        for (int i = 0; i < 4; i++) {
            double step = MULTIPLES[i] * scale;
            if (integer_only && step != floor(step))
                continue;
            if (tick_count(lo, hi, step) <= max_ticks)
                return step;
        }
}

static int decimals_of(double step)
{
    for (int d = 0; d < 10; d++) {
        double scaled = step * pow(10, d);
        if (fabs(scaled - round(scaled)) < 1e-6 * scaled)
            return d;
    }
    return 10;
}

Ticks ticks_in(double lo, double hi, int max_ticks, bool integer_only)
{
    Ticks ticks = {.count = 0};
    if (!isfinite(lo) || !isfinite(hi))
        return ticks;
    if (max_ticks < 2)
        max_ticks = 2;
    if (max_ticks > TICKS_MAX)
        max_ticks = TICKS_MAX;
    if (hi - lo <= 0) {
        ticks.value[ticks.count++] = lo;
        ticks.step = 1;
        ticks.decimals = decimals_of(fabs(lo) > 0 ? fabs(lo) : 1);
        return ticks;
    }
    ticks.step = first_step(lo, hi, max_ticks, integer_only);
    ticks.decimals = decimals_of(ticks.step);
    for (double k = ceil(lo / ticks.step - 1e-6); k * ticks.step <= hi + 1e-6 * ticks.step
                                                  && ticks.count < TICKS_MAX; k++)
        ticks.value[ticks.count++] = k * ticks.step;
    return ticks;
}

void ticks_label(const Ticks *ticks, double value, char *out, int size)
{
    if (fabs(value) < 1e-6 * ticks->step)
        value = 0;              /* never "-0" */
    snprintf(out, size, "%.*f", ticks->decimals, value);
}
