// SPDX-License-Identifier: BSD-3-Clause
/* Where in the user's cells a fault happened: the worker reports the cell
 * library and the offset of the faulting instruction; the cells carry
 * debug info whose #line entries name "In[3]" and the cell's line, so
 * addr2line turns the offset into "In[3], line 5, in f". */
#ifndef CNB_INTERPRETER_CRASH_LOCATION_H
#define CNB_INTERPRETER_CRASH_LOCATION_H

#include "compiler/magics.h"

/* A sentence like "in In[3], line 5, in function f" (malloc'd), or NULL.
 * renames: pairs of a file name the debug info may give and the cell's
 * name to show instead (cells compiled for the debugger name their lines by
 * the debugger's path); NULL or empty when there are none. */
char *crash_location(const char *library, long offset, const StringList *renames);

#endif
