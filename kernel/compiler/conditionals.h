// SPDX-License-Identifier: BSD-3-Clause
/* Preprocessor conditionals in a cell (#if 0 ... #endif around top-level
 * code, #ifdef DEBUG ... #else ... #endif): the cell is cut into pieces
 * that land in different places of the generated source (file scope, the
 * cell function, the state of later cells), so a conditional cannot stay
 * around them.  Instead the real preprocessor decides, with the macros of
 * cnb.h, earlier cells and the flags: a probe keeps the cell's directives
 * and replaces each other line by a marker; the markers that survive
 * `gcc -E` are the lines that are compiled.  The others, and the
 * conditional directives themselves, are blanked (line numbers stay). */
#ifndef CNB_COMPILER_CONDITIONALS_H
#define CNB_COMPILER_CONDITIONALS_H

#include <stdbool.h>

/* True when code has an #if, #ifdef or #ifndef. */
bool conditionals_present(const char *code);

/* The probe for code (malloc'd), or NULL when out of memory. */
char *conditionals_probe(const char *code);

/* Blanks in code the lines the preprocessed probe left out, and the
 * conditional directives.  Returns 0, or -1 when out of memory. */
int conditionals_apply(char *code, const char *preprocessed);

#endif
