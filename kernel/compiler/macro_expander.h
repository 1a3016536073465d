// SPDX-License-Identifier: BSD-3-Clause
/* The user's macros applied to a cell, so that the splitter sees its
 * top-level code as the compiler will: `PUB(int) f(void);` is a prototype
 * once PUB is known, `MAKE_GETTER(seven, 7)` a function definition.
 *
 * The cell's own #define and #undef lines are applied in order, on top of
 * the macros in force (macro_table.h).  Every other character of the cell
 * stays where it is; each top-level macro invocation is replaced by its
 * expansion, followed by as many newlines as the invocation spanned, so
 * every token keeps its line.  The spans say where the replacements are,
 * so that the splitter can give each item the user's own text back.
 *
 * Example: after `#define PUB(type) type`, the cell
 *     PUB(int) twice(int v);
 * expands to
 *     int twice(int v);
 * with one span: expanded bytes [0, 3) replace the cell's bytes [0, 8). */
#ifndef CNB_COMPILER_MACRO_EXPANDER_H
#define CNB_COMPILER_MACRO_EXPANDER_H

#include "macro_table.h"

#include <stddef.h>

typedef struct MacroSpan {
    size_t from, to;            /* in the expanded text */
    size_t cell_from, cell_to;  /* the invocation in the cell */
} MacroSpan;

typedef struct ExpandedCell {
    char *text;                 /* the expanded cell, or NULL when no macro was used */
    MacroSpan *spans;
    size_t span_count;
} ExpandedCell;

/* Expands the macros of in_force (NULL: none) and of the cell's own
 * directives in code.  Returns 0, or -1 when out of memory. */
int macro_expand_cell(const char *code, const MacroTable *in_force, ExpandedCell *out);
void expanded_cell_free(ExpandedCell *cell);

/* The expansion of a piece of code under table (a test's and a tool's view),
 * tokens separated as gcc -E -P would roughly print them; malloc'd. */
char *macro_expand_text(const char *code, const MacroTable *table);

#endif
