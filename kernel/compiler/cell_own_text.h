// SPDX-License-Identifier: BSD-3-Clause
/* The user's own text for the items of a cell the splitter read after
 * macro expansion (macro_expander.h).  Each item's byte range goes back to
 * the cell's; an item that holds whole invocations only gets the cell's
 * code as its own_text (and a variable its own_initializer), so the cell
 * compiles what the user wrote, with the columns gcc reports.  An item that
 * is only part of an invocation (one of two functions a macro defines)
 * keeps the expanded code, and so does a type: later cells carry it
 * expanded, and what they carry must have compiled in its own cell.  Internal to the splitter. */
#ifndef CNB_COMPILER_CELL_OWN_TEXT_H
#define CNB_COMPILER_CELL_OWN_TEXT_H

#include "cell_splitter.h"
#include "macro_expander.h"

/* plan was split from cell->text; code is the cell.  0, or -1 when out of memory. */
int cell_own_text_restore(const char *code, const ExpandedCell *cell, CellPlan *plan);

/* Blanks (tabs kept) as wide as what precedes offset on its line: the
 * indentation that keeps a moved item's columns (malloc'd, NULL if out of memory). */
char *cell_line_lead(const char *code, size_t offset);

#endif
