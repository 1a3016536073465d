/* The cell compiler; see cell_compiler.h. */
#include "cell_compiler.h"
#include "run_program.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CNB_INCLUDE_DIR
#define CNB_INCLUDE_DIR "/usr/local/include"
#endif
#ifndef CNB_LIB_DIR
#define CNB_LIB_DIR "/usr/local/lib"
#endif
#ifndef CNB_CELL_CC
#define CNB_CELL_CC "gcc"
#endif

#define PCH_NAME "cnb_pch.h"
#define MAX_ARGS 256

struct CellCompiler {
    char *work_dir;
    char *cc, *include_dir, *lib_dir;
    char *include_flag, *lib_flag;
    bool pch_ready;
};

/* Flags that must be the same for the PCH and every cell using it. */
/* DWARF 4: addr2line 2.40 misreads the file names of #line in DWARF 5. */
static const char *const code_flags[] = {
    "-std=gnu17", "-O2", "-gdwarf-4", "-fPIC", "-pipe", "-fdiagnostics-color=never", NULL
};
/* exit() and friends in a cell unwind the cell instead (worker_exit.c). */
static const char *const link_flags[] = {
    "-Wl,--wrap=exit", "-Wl,--wrap=_exit", "-Wl,--wrap=_Exit", "-Wl,--wrap=quick_exit", NULL
};

static char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return strdup(value && *value ? value : fallback);
}

CellCompiler *cell_compiler_new(const char *work_dir)
{
    CellCompiler *compiler = calloc(1, sizeof *compiler);
    if (!compiler)
        return NULL;
    compiler->work_dir = strdup(work_dir);
    compiler->cc = env_or("CNB_CELL_CC", CNB_CELL_CC);
    compiler->include_dir = env_or("CNB_INCLUDE_DIR", CNB_INCLUDE_DIR);
    compiler->lib_dir = env_or("CNB_LIB_DIR", CNB_LIB_DIR);
    if (!compiler->work_dir || !compiler->cc || !compiler->include_dir || !compiler->lib_dir ||
        asprintf(&compiler->include_flag, "-I%s", compiler->include_dir) < 0 ||
        asprintf(&compiler->lib_flag, "-L%s", compiler->lib_dir) < 0) {
        cell_compiler_free(compiler);
        return NULL;
    }
    return compiler;
}

void cell_compiler_free(CellCompiler *compiler)
{
    if (!compiler)
        return;
    free(compiler->work_dir);
    free(compiler->cc);
    free(compiler->include_dir);
    free(compiler->lib_dir);
    free(compiler->include_flag);
    free(compiler->lib_flag);
    free(compiler);
}

const char *cell_compiler_include_dir(const CellCompiler *compiler)
{
    return compiler->include_dir;
}

static size_t push_all(char **argv, size_t n, const char *const *list)
{
    for (; list && *list && n < MAX_ARGS - 1; list++)
        argv[n++] = (char *)*list;
    return n;
}

int cell_compiler_prepare(CellCompiler *compiler)
{
    char *header = NULL;
    if (asprintf(&header, "%s/" PCH_NAME, compiler->work_dir) < 0)
        return -1;
    FILE *file = fopen(header, "w");
    free(header);
    if (!file)
        return -1;
    fputs("#include <cnb.h>\n", file);
    fclose(file);
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = compiler->cc;
    n = push_all(argv, n, code_flags);
    argv[n++] = compiler->include_flag;
    argv[n++] = "-x";
    argv[n++] = "c-header";
    argv[n++] = PCH_NAME;
    argv[n++] = "-o";
    argv[n++] = PCH_NAME ".gch";
    argv[n] = NULL;
    char *output = NULL;
    int rc = run_program(argv, compiler->work_dir, &output);
    if (rc != 0)
        fprintf(stderr, "cnb: cells: precompiled header failed (cells compile without it):\n%s\n",
                output ? output : "");
    free(output);
    compiler->pch_ready = rc == 0;
    return rc == 0 ? 0 : -1;
}

const char *cell_compiler_header(const CellCompiler *compiler)
{
    /* gcc uses cnb_pch.h.gch when it is there and fits, the header otherwise. */
    return compiler->pch_ready ? "#include \"" PCH_NAME "\"" : "#include <cnb.h>";
}

int cell_compiler_build(CellCompiler *compiler, const char *source, const char *library,
                        char *const *cflags, char *const *ldflags, char **diagnostics)
{
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = compiler->cc;
    n = push_all(argv, n, code_flags);
    argv[n++] = "-shared";
    argv[n++] = "-Werror=implicit-function-declaration";
    argv[n++] = "-Werror=implicit-int";
    argv[n++] = "-I.";
    argv[n++] = compiler->include_flag;
    n = push_all(argv, n, (const char *const *)cflags);
    argv[n++] = "-o";
    argv[n++] = (char *)library;
    argv[n++] = (char *)source;
    argv[n++] = compiler->lib_flag;
    n = push_all(argv, n, link_flags);
    n = push_all(argv, n, (const char *const *)ldflags);
    argv[n] = NULL;
    int rc = run_program(argv, compiler->work_dir, diagnostics);
    if (rc < 0 && diagnostics && !*diagnostics && asprintf(diagnostics, "cannot run the C compiler %s\n",
                                                            compiler->cc) < 0)
        *diagnostics = NULL;
    return rc == 0 ? 0 : -1;
}
