// SPDX-License-Identifier: BSD-3-Clause
/* Late binding of functions (the front's side): which functions a cell
 * defines again, what the worker must rebind for each, and the check the
 * cell carries so that only a definition of the same type is rebound.
 *
 * Cell K's f is the symbol cnb_cK_f.  When cell K defines f again, every
 * earlier version of f that had f's type is named in `from`; the cell also
 * defines `int cnb_same_cK_f`, which the compiler sets to whether the new f
 * has the old one's type.  The worker (worker_rebind.h) points the earlier
 * cells' references at cnb_cK_f when it does.  A function whose type
 * changed is a new function: earlier code keeps calling the old one, and
 * the cell says so.
 *
 * A variable declared again with the same type (not const) is the same
 * object: the cell declares it extern under its old symbol and assigns the
 * new initial value (zero without an initializer), so that earlier
 * functions read and write it.  With another type it is a new object. */
#ifndef CNB_COMPILER_LATE_BINDING_H
#define CNB_COMPILER_LATE_BINDING_H

#include <jansson.h>
#include <stdbool.h>

#include "cell_splitter.h"
#include "cell_state.h"

typedef struct Rebind {
    char *name;
    char *old_type;     /* "int (void)": the earlier version's type */
    char *from;         /* its symbols, space separated */
    bool done;          /* the worker rebound it */
    char *same_object;  /* a variable declared again with its type: the symbol of the
                           object it stays (else NULL: a function) */
    bool new_object;    /* a variable that becomes a new object (from: the old one's
                           symbol): another type, or a const or unsized array */
    bool type_kept;     /* new_object of the same type */
} Rebind;

typedef struct Rebinds {
    Rebind *items;
    size_t count;
} Rebinds;

/* The functions plan defines again, and its variables declared again with
 * the same type, which stay the same object and take their new initial
 * value (state and declared as before the cell). */
int late_binding_plan(const CellState *state, const CellPlan *plan, const KeySet *declared,
                      Rebinds *out);
/* The rebind for name (function or variable), or NULL. */
const Rebind *late_binding_find(const Rebinds *rebinds, const char *name);
/* The run frame's "rebind" array for cell K. */
json_t *late_binding_request(const Rebinds *rebinds, int cell);
/* The run frame's "replaced" array: variables that became new objects. */
json_t *late_binding_replaced(const Rebinds *rebinds);
/* Marks what the worker's "done" frame says it rebound. */
void late_binding_confirm(Rebinds *rebinds, const json_t *done);
/* "cnb_same_cK_f" (malloc'd). */
char *late_binding_check_symbol(int cell, const char *name);
/* What the user must know after the worker's "done": functions and
 * variables whose type changed, with the earlier cells (and their
 * functions) that still use the old ones.  malloc'd text, or NULL. */
char *late_binding_notes(const Rebinds *rebinds, const json_t *done, const CellState *state);
void late_binding_free(Rebinds *rebinds);

#endif
