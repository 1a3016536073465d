/* What the completion and inspection code needs from the interpreter: a
 * consistent copy of the current prelude, taken under the state lock (they
 * run on other threads while a cell executes). */
#ifndef CNB_CELLS_INTERPRETER_STATE_H
#define CNB_CELLS_INTERPRETER_STATE_H

#include "interpreter.h"
#include "cell_splitter.h"

/* The prelude of all earlier cells, with doc comments (malloc'd). */
char *interpreter_prelude(Interpreter *interp);
/* Whether name is a typedef of an earlier cell (for splitting code). */
bool interpreter_is_type(const char *name, void *interp);
/* The include directory cells are compiled against. */
const char *interpreter_include_dir(Interpreter *interp);

/* completion.c / inspection.c keep a libclang context per interpreter. */
typedef struct ClangContext ClangContext;
ClangContext *clang_context_new(const char *include_dir);
void clang_context_free(ClangContext *context);
ClangContext *interpreter_clang(Interpreter *interp);

#endif
