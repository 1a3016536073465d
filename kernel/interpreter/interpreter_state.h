// SPDX-License-Identifier: BSD-3-Clause
/* What kernel/assistants may ask of the interpreter, and how they attach to
 * it.  The assistants run on other threads while a cell executes, so each
 * read here is a consistent copy taken under the state lock.  The
 * interpreter never calls the assistants by name: they register what it
 * needs from them (their data's destructor, the answer to `name?`), as
 * xeus's listeners are registered, so the dependency points one way. */
#ifndef CNB_INTERPRETER_INTERPRETER_STATE_H
#define CNB_INTERPRETER_INTERPRETER_STATE_H

#include "interpreter.h"
#include "compiler/cell_splitter.h"

/* The prelude of all earlier cells, with doc comments (malloc'd). */
char *interpreter_prelude(Interpreter *interp);
/* Whether name is a typedef of an earlier cell (for splitting code). */
bool interpreter_is_type(const char *name, void *interp);
/* cell_split under the state lock (the typedefs of earlier cells decide
 * what is a declaration). */
int interpreter_split(Interpreter *interp, const char *code, CellPlan *plan);
/* The include directory cells are compiled against. */
const char *interpreter_include_dir(Interpreter *interp);

typedef struct InterpreterAssistant {
    void *data;
    /* Called first thing in interpreter_free, while the state is intact. */
    void (*free_data)(void *data);
    /* inspect_reply content for a `name?` line (a new reference), as
     * interpreter_inspect gives it. */
    json_t *(*help)(Interpreter *interp, const char *name);
} InterpreterAssistant;

/* Registers the assistant (one per interpreter: a second replaces the
 * first, whose data is freed). */
void interpreter_attach_assistant(Interpreter *interp, InterpreterAssistant assistant);
/* The registered assistant's data, or NULL. */
void *interpreter_assistant_data(Interpreter *interp);

#endif
