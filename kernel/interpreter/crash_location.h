// SPDX-License-Identifier: BSD-3-Clause
/* Where in the user's cells a fault happened: the worker reports the cell
 * library and the offset of the faulting instruction; the cells carry
 * debug info whose #line entries name "In[3]" and the cell's line, so
 * addr2line turns the offset into "In[3], line 5, in f". */
#ifndef CNB_INTERPRETER_CRASH_LOCATION_H
#define CNB_INTERPRETER_CRASH_LOCATION_H

/* A sentence like "in In[3], line 5, in function f" (malloc'd), or NULL. */
char *crash_location(const char *library, long offset);

#endif
