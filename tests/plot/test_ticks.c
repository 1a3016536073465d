// SPDX-License-Identifier: BSD-3-Clause
/* Round tick values (runtime/plot/ticks.c, an internal module of libcnb):
 * the steps matplotlib's MaxNLocator would pick, and their labels. */
#include "tap.h"
#include "plot/ticks.h"

static void check(double lo, double hi, int most, bool whole, const char *want, const char *what)
{
    Ticks t = ticks_in(lo, hi, most, whole);
    char got[256] = "", label[32];
    for (int i = 0; i < t.count; i++) {
        ticks_label(&t, t.value[i], label, sizeof label);
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", label);
    }
    is_str(got, want, "%s", what);
}

int main(void)
{
    check(0, 515, 7, false, "0 100 200 300 400 500", "counts up to 515: hundreds (the lesson's colour bar)");
    check(0, 1049, 7, false, "0 200 400 600 800 1000", "up to 1049: steps of 200");
    check(0.1, 0.9, 9, false, "0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9", "tenths when nine fit");
    check(0.1, 0.9, 7, false, "0.2 0.4 0.6 0.8", "fifths when they do not");
    check(0.1f, 0.9f, 9, false, "0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9", "float limits (0.1f) keep their end ticks");
    check(0.07, 0.63, 8, false, "0.1 0.2 0.3 0.4 0.5 0.6", "a loss range");
    check(0.5, 12.5, 10, true, "2 4 6 8 10 12", "epochs: whole steps only");
    check(0.8, 3.2, 10, true, "1 2 3", "few epochs: every one");
    check(-1.2, 1.2, 6, false, "-1.0 -0.5 0.0 0.5 1.0", "around zero, with 0.0 and not -0.0");
    check(0, 1, 5, false, "0.00 0.25 0.50 0.75 1.00", "steps of 2.5 x 10^k");
    check(97.2, 98.6, 8, false, "97.2 97.4 97.6 97.8 98.0 98.2 98.4 98.6", "accuracy in percent");
    check(5, 5, 8, false, "5", "a single value");
    Ticks none = ticks_in(NAN, 1, 8, false);
    is_int(none.count, 0, "no ticks for NaN limits");
    return tap_done();
}
