// SPDX-License-Identifier: BSD-3-Clause
/* What the completion and inspection code needs from the interpreter: a
 * consistent copy of the current prelude, taken under the state lock (they
 * run on other threads while a cell executes). */
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

/* completion.c / inspection.c keep a libclang context per interpreter. */
typedef struct ClangContext ClangContext;
ClangContext *clang_context_new(const char *include_dir);
void clang_context_free(ClangContext *context);
ClangContext *interpreter_clang(Interpreter *interp);
/* Parses the headers once so that the first request is quick. */
void interpreter_clang_warm(Interpreter *interp);

#endif
