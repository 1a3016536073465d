// SPDX-License-Identifier: BSD-3-Clause
/* Late binding of functions (the worker's side).  Cells are compiled with
 * -fPIC, so every call to a function of another cell, and every taking of
 * its address, goes through a GOT entry of the calling library.  When a
 * cell defines a function again with the same type, the worker points each
 * GOT entry that names an earlier version at the new one: every function
 * compiled earlier calls the new definition from then on, as a Python
 * notebook would.  A pointer taken earlier keeps the address it had (as in
 * C): only the entries are changed, not the old code. */
#ifndef CNB_WORKER_WORKER_REBIND_H
#define CNB_WORKER_WORKER_REBIND_H

#include <stddef.h>

/* Remembers a loaded cell library (a dlopen handle) for later rebinding. */
void worker_rebind_track(void *handle);
/* Forgets it (the library is about to be unloaded). */
void worker_rebind_untrack(void *handle);

/* Points every reference named in from[0..n_from) in the tracked libraries
 * at target.  Returns the number of entries changed, or -1 when this
 * platform's relocations are not known (nothing changed). */
int worker_rebind(const char *const *from, size_t n_from, void *target);

/* The cells (K of cell_K.so) whose libraries refer to any of from[0..n_from):
 * up to max numbers into cells; returns how many. */
size_t worker_referring_cells(const char *const *from, size_t n_from, int *cells, size_t max);

#endif
