// SPDX-License-Identifier: BSD-3-Clause
/* What the magics that answer at once say (%who, %cflags) and the answer to
 * `name?` lines: text and payloads, built from the interpreter's state by
 * execute_cell.c, which holds the state lock around the first two. */
#ifndef CNB_INTERPRETER_MAGIC_ANSWERS_H
#define CNB_INTERPRETER_MAGIC_ANSWERS_H

#include "interpreter.h"
#include "compiler/cell_state.h"
#include "compiler/magics.h"

/* %who: the variables of earlier cells with their types (malloc'd). */
char *who_text(const CellState *state);
/* %cflags: the flags cells are compiled and linked with (malloc'd). */
char *flags_text(const StringList *cflags, const StringList *ldflags);
/* `name?`: a pager payload per name that help (the assistants' inspection,
 * interpreter_state.h) finds, an stderr line for each name nobody declared.
 * Without help every name is answered as not found. */
void answer_help(Interpreter *interp, json_t *(*help)(Interpreter *, const char *),
                 const StringList *names, const ExecuteSink *sink, ExecuteOutcome *outcome);

#endif
