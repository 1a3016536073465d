// SPDX-License-Identifier: BSD-3-Clause
/* Whether a cell's library can be unloaded once the cell has run.
 *
 * A cell of statements only (and a trailing expression) defines nothing
 * later cells use, so its library is dlclose'd after the run and its files
 * removed: a day of small cells leaves no memory and no files behind, and
 * the worker's global symbol scope stays short.  What could still point
 * into the library after the run keeps it loaded: a string literal (it
 * lives in the library's read-only data, and `name = "x";` stores its
 * address in a global), a static local, __func__ and its kin, a
 * thread-local.  Magics that compile their own functions (%timeit) keep
 * it too. */
#ifndef CNB_COMPILER_CELL_UNLOAD_H
#define CNB_COMPILER_CELL_UNLOAD_H

#include <stdbool.h>
#include "cell_splitter.h"

bool cell_can_unload(const CellPlan *plan, const char *code);

#endif
