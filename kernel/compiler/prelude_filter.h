// SPDX-License-Identifier: BSD-3-Clause
/* Which declarations of earlier cells a cell's prelude needs.
 *
 * The prelude of every earlier declaration grows with each defining cell,
 * and gcc parses all of it for every cell: after a thousand definitions a
 * `counter += 1;` cell spends about 2 ms more in cc1 than the first did.
 * A cell needs only the entries it names, and what those name in turn
 * (a variable's type, the struct inside that typedef, the variables a
 * macro expands to), so that is what its prelude carries.
 *
 * Kept whatever the cell names: #include and #define (a header or a macro
 * may depend on any earlier macro, and the cell cannot be seen through
 * them), and declarations of names cnb.h also declares (their `#undef`
 * decides what a runtime macro the cell uses expands to).
 *
 * A name the filter cannot see (one a macro pastes together with ##)
 * makes the cell fail to compile; the interpreter then compiles it once
 * more with the whole prelude, which also gives gcc's "did you mean"
 * hints their full choice of names. */
#ifndef CNB_COMPILER_PRELUDE_FILTER_H
#define CNB_COMPILER_PRELUDE_FILTER_H

#include <stdbool.h>

#include "cell_state.h"

/* skip: an array of state->count bools, true for the entries already left
 * out (the hidden ones); sets it for every entry cell_text does not need.
 * cell_text: the cell's generated source without the prelude.  Returns 0,
 * or -1 when out of memory (skip is then as it was). */
int prelude_filter(const CellState *state, const char *cell_text, bool *skip);

#endif
