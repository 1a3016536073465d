// SPDX-License-Identifier: BSD-3-Clause
/* Tidies gcc's diagnostics for a notebook: drops what only concerns the
 * generated code around the user's (the cell function's name, the
 * precompiled header include chain, follow-up errors about the helper
 * variable that shows the trailing expression). */
#ifndef CNB_COMPILER_DIAGNOSTICS_H
#define CNB_COMPILER_DIAGNOSTICS_H

/* A tidied copy (malloc'd); NULL only when out of memory or text is NULL. */
char *diagnostics_tidy(const char *text);

#endif
