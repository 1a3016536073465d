// SPDX-License-Identifier: BSD-3-Clause
/* The macros a cell's #include lines bring (zlib.h's ZEXTERN, OF and
 * ZEXPORT come from zconf.h), so that the splitter reads `ZEXTERN int
 * ZEXPORT deflate OF((z_streamp strm, int flush));` as the prototype it
 * is.  The real preprocessor says what they are: a probe of cnb.h, the
 * prelude, a marker and the cell's directives goes through `gcc -E -dD`,
 * and every #define and #undef that gcc prints after the marker from a
 * file other than the probe is one.  Headers cnb.h or earlier cells
 * included print nothing again (their include guards). */
#ifndef CNB_COMPILER_INCLUDED_MACROS_H
#define CNB_COMPILER_INCLUDED_MACROS_H

/* The probe (malloc'd): header (the precompiled cnb.h's include, which
 * gcc -E -fpch-preprocess takes without printing it again), prelude, the
 * marker, code's directives (#include, #define, #undef) in order.  NULL
 * when out of memory. */
char *included_macros_probe(const char *header, const char *prelude, const char *code);

/* From gcc -E -dD's output for the probe named probe_name: the header
 * macros' directives, one a line (malloc'd; "" when none).  NULL when out
 * of memory. */
char *included_macros_collect(const char *preprocessed, const char *probe_name);

#endif
