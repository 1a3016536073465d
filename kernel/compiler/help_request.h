// SPDX-License-Identifier: BSD-3-Clause
/* Help lines, as IPython's `obj?`: a line that is only `name?`, `?name`
 * (or with `??`) asks for the declaration and doc comment of name.  The
 * interpreter answers with a pager payload after the rest of the cell ran,
 * so a function the same cell defines can be asked about too. */
#ifndef CNB_COMPILER_HELP_REQUEST_H
#define CNB_COMPILER_HELP_REQUEST_H

#include "magics.h"

/* Blanks the help lines of code in place (the other lines keep their
 * numbers) and adds each name asked about to names.  Returns 0, or -1
 * when out of memory. */
int help_requests_take(char *code, StringList *names);

#endif
