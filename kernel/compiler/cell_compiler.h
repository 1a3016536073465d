// SPDX-License-Identifier: BSD-3-Clause
/* Compiles generated cell sources to shared libraries with the system C
 * compiler: gcc -O2 -g -fPIC -shared -pipe against a precompiled header of
 * cnb.h that is made once per kernel in its work directory. */
#ifndef CNB_COMPILER_CELL_COMPILER_H
#define CNB_COMPILER_CELL_COMPILER_H

typedef struct CellCompiler CellCompiler;

CellCompiler *cell_compiler_new(const char *work_dir);
void cell_compiler_free(CellCompiler *compiler);

/* Builds the precompiled header (slow: call it early, off the hot path).
 * Without it cells still compile, only slower. */
int cell_compiler_prepare(CellCompiler *compiler);
/* Builds one more precompiled header, for cells compiled with these extra
 * flags (e.g. the debugger's -O0), after cell_compiler_prepare succeeded.
 * Slow; cells compiling meanwhile use the header without it. */
int cell_compiler_prepare_variant(CellCompiler *compiler, const char *name, char *const *flags);
/* The line a cell source starts with. */
const char *cell_compiler_header(const CellCompiler *compiler);

/* Compiles work_dir/source to work_dir/library with the extra flags
 * (NULL-terminated lists, may be NULL).  Returns 0 on success; *diagnostics
 * gets the compiler's messages (malloc'd, may be empty or NULL). */
int cell_compiler_build(CellCompiler *compiler, const char *source, const char *library,
                        char *const *cflags, char *const *ldflags, char **diagnostics);

/* Runs only the preprocessor over work_dir/source with the cells' flags
 * (-E -P, warnings off); *output gets what it printed (malloc'd).
 * Returns 0 on success. */
int cell_compiler_preprocess(CellCompiler *compiler, const char *source, char *const *cflags,
                             char **output);

/* The same with -dD and line markers instead of -P: gcc prints every
 * #define and #undef where it happens (included_macros.h reads them);
 * with -fpch-preprocess, so a source that starts with cell_compiler_header
 * uses the precompiled header. */
int cell_compiler_list_macros(CellCompiler *compiler, const char *source, char *const *cflags,
                              char **output);

/* Where cells find cnb.h and libraries (CNB_INCLUDE_DIR, CNB_LIB_DIR). */
const char *cell_compiler_include_dir(const CellCompiler *compiler);

#endif
