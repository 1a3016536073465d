// SPDX-License-Identifier: BSD-3-Clause
/* Committing a cell that the worker has loaded: its declarations become
 * state entries (cell_state.h) for the prelude of later cells.  Entries the
 * cell replaces, and those that depended on a type it redefined, go. */
#ifndef CNB_COMPILER_CELL_COMMIT_H
#define CNB_COMPILER_CELL_COMMIT_H

#include "cell_splitter.h"
#include "cell_state.h"
#include "late_binding.h"

/* Marks the cell's type definitions that the state already has, word for
 * word (a cell run again): they are kept as they are, so that what other
 * cells declared with them stays visible. */
void cell_mark_unchanged(const CellState *state, CellPlan *plan);

/* The keys a cell declares (what it replaces in the state). */
void cell_declared_keys(const CellPlan *plan, KeySet *keys);

/* Applies cell K's plan (origin "In[n]") to state; *dropped gets the names
 * hidden only because they used a redefined type (malloc'd, or NULL).  A
 * function the worker rebound (rebinds, may be NULL) remembers the symbols
 * of its earlier versions, for the next time it is defined. */
void cell_commit(CellState *state, const CellPlan *plan, int cell, const char *origin,
                 const KeySet *declared, const Rebinds *rebinds, char **dropped);

#endif
