// SPDX-License-Identifier: BSD-3-Clause
/* The cell compiler; see cell_compiler.h. */
#include "cell_compiler.h"
#include "run_program.h"
#include "runtime_names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The install paths come from configure (kernel/Makefile.am). */
#if !defined CNB_INCLUDE_DIR || !defined CNB_LIB_DIR
#error "CNB_INCLUDE_DIR and CNB_LIB_DIR come from configure's includedir and libdir"
#endif
#ifndef CNB_CELL_CC
#define CNB_CELL_CC "gcc"
#endif

#define PCH_NAME "cnb_pch.h"
/* A folder: gcc takes the precompiled header in it that fits the cell's
 * flags (the optimized one, and the debugger's -O0 one once it is built). */
#define PCH_FOLDER PCH_NAME ".gch"
#define MAX_ARGS 256

/* The pieces the gcc driver would hand to the linker for -shared; found
 * once, so that cells link with one quick ld call (see link_fast). */
enum { CRTI, CRTBEGIN, LIBC_NONSHARED, LIBGCC, CRTEND, CRTN, LINK_PARTS };
static const char *const link_part_names[LINK_PARTS] = {
    "crti.o", "crtbeginS.o", "libc_nonshared.a", "libgcc.a", "crtendS.o", "crtn.o"
};

struct CellCompiler {
    char *work_dir;
    char *cc, *include_dir, *lib_dir;
    char *include_flag, *lib_flag;
    char *quote_dir;                /* the notebook's directory: #include "x.h" looks there */
    bool pch_ready;
    bool header_written;            /* cnb_pch.h: the runtime's names renamed, then cnb.h */
    char *ld;                       /* the linker gcc uses, or NULL */
    char *link_parts[LINK_PARTS];
};

/* Flags that must be the same for the PCH and every cell using it. */
/* DWARF 4: addr2line 2.40 misreads the file names of #line in DWARF 5.
 * _FORTIFY_SOURCE turns a libc call that overflows a known buffer into an
 * abort, which the worker reports as a fault with the cell's line. */
static const char *const code_flags[] = {
    "-std=gnu17", "-O2", "-gdwarf-4", "-fPIC", "-pipe", "-fdiagnostics-color=never",
    "-D_FORTIFY_SOURCE=2", NULL
};
/* exit() and friends in a cell unwind the cell instead (worker_exit.c);
 * read(0, ...) asks the frontend for input as stdio does (worker_stdin.c). */
static const char *const link_flags[] = {
    "-Wl,--wrap=exit", "-Wl,--wrap=_exit", "-Wl,--wrap=_Exit", "-Wl,--wrap=quick_exit",
    "-Wl,--wrap=read", "-Wl,--wrap=__read_chk", NULL
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
        asprintf(&compiler->lib_flag, "-L%s", compiler->lib_dir) < 0 ||
        !(compiler->quote_dir = getcwd(NULL, 0))) {
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
    free(compiler->quote_dir);
    free(compiler->ld);
    for (int i = 0; i < LINK_PARTS; i++)
        free(compiler->link_parts[i]);
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

/* Asks the compiler driver where something is (-print-file-name=...). */
static char *ask_driver(CellCompiler *compiler, const char *option)
{
    char *argv[] = {compiler->cc, (char *)option, NULL};
    char *output = NULL;
    if (run_program(argv, NULL, &output) != 0 || !output) {
        free(output);
        return NULL;
    }
    output[strcspn(output, "\n")] = '\0';
    /* A name without a directory means "not found". */
    if (output[0] != '/' || access(output, R_OK) != 0) {
        free(output);
        return NULL;
    }
    return output;
}

static char *search_path(const char *name)
{
    for (const char *dir = getenv("PATH"); dir && *dir;) {
        size_t n = strcspn(dir, ":");
        char *candidate = NULL;
        if (n > 0 && asprintf(&candidate, "%.*s/%s", (int)n, dir, name) >= 0 &&
            access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
        dir += n + (dir[n] == ':');
    }
    return NULL;
}

/* The program the driver would run for name: gcc answers a bare name
 * ("ld", as Debian's does) when the program is not in its own folders,
 * and then runs the first one on PATH. */
static char *find_program(CellCompiler *compiler, const char *name)
{
    char *option = NULL, *answer = NULL;
    if (asprintf(&option, "-print-prog-name=%s", name) < 0)
        return NULL;
    char *argv[] = {compiler->cc, option, NULL};
    int rc = run_program(argv, NULL, &answer);
    free(option);
    char *found = NULL;
    if (rc == 0 && answer) {
        answer[strcspn(answer, "\n")] = '\0';
        if (!strchr(answer, '/'))
            found = *answer ? search_path(answer) : NULL;
        else if (access(answer, X_OK) == 0)
            found = strdup(answer);
    }
    free(answer);
    return found;
}

static void find_link_parts(CellCompiler *compiler)
{
    bool complete = (compiler->ld = find_program(compiler, "ld")) != NULL;
    for (int i = 0; i < LINK_PARTS && complete; i++) {
        char *option = NULL;
        if (asprintf(&option, "-print-file-name=%s", link_part_names[i]) < 0)
            return;
        complete = (compiler->link_parts[i] = ask_driver(compiler, option)) != NULL;
        free(option);
    }
    if (!complete) {
        free(compiler->ld);
        compiler->ld = NULL;
    }
}

/* One precompiled header of cnb_pch.h, built to a temporary name and
 * moved into the folder whole: a cell compiling meanwhile never sees half
 * of it. */
static int build_pch(CellCompiler *compiler, const char *name, char *const *flags)
{
    char *temporary = NULL, *from = NULL, *to = NULL;
    if (asprintf(&temporary, "%s.gch.part", name) < 0)
        return -1;
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = compiler->cc;
    n = push_all(argv, n, code_flags);
    for (; flags && *flags && n < MAX_ARGS - 8; flags++)
        argv[n++] = *flags;
    argv[n++] = compiler->include_flag;
    argv[n++] = "-x";
    argv[n++] = "c-header";
    argv[n++] = PCH_NAME;
    argv[n++] = "-o";
    argv[n++] = temporary;
    argv[n] = NULL;
    char *output = NULL;
    int rc = run_program(argv, compiler->work_dir, &output);
    if (rc != 0)
        fprintf(stderr, "cnb: cells: precompiled header (%s) failed (cells compile without it):\n%s\n",
                name, output ? output : "");
    free(output);
    if (rc == 0 && (asprintf(&from, "%s/%s", compiler->work_dir, temporary) < 0 ||
                    asprintf(&to, "%s/" PCH_FOLDER "/%s.gch", compiler->work_dir, name) < 0 ||
                    rename(from, to) != 0))
        rc = -1;
    free(temporary);
    free(from);
    free(to);
    return rc == 0 ? 0 : -1;
}

int cell_compiler_prepare(CellCompiler *compiler)
{
    find_link_parts(compiler);
    char *header = NULL;
    if (asprintf(&header, "%s/" PCH_NAME, compiler->work_dir) < 0)
        return -1;
    FILE *file = fopen(header, "w");
    free(header);
    if (!file)
        return -1;
    char *renames = runtime_names_prelude();
    fprintf(file, "%s#include <cnb.h>\n", renames ? renames : "");
    free(renames);
    if (fclose(file) != 0)
        return -1;
    compiler->header_written = true;
    char *folder = NULL;
    if (asprintf(&folder, "%s/" PCH_FOLDER, compiler->work_dir) < 0)
        return -1;
    int made = mkdir(folder, 0700) == 0 || errno == EEXIST ? 0 : -1;
    free(folder);
    int rc = made == 0 ? build_pch(compiler, "optimized", NULL) : -1;
    compiler->pch_ready = rc == 0;
    return rc;
}

int cell_compiler_prepare_variant(CellCompiler *compiler, const char *name, char *const *flags)
{
    if (!compiler->pch_ready)
        return -1;
    return build_pch(compiler, name, flags);
}

const char *cell_compiler_header(const CellCompiler *compiler)
{
    /* gcc uses a PCH of cnb_pch.h.gch/ when there is one that fits, the header otherwise. */
    return compiler->header_written ? "#include \"" PCH_NAME "\"" : "#include <cnb.h>";
}

/* Flags that change what must be linked: leave linking to the driver. */
static bool needs_driver_link(char *const *cflags, char *const *ldflags)
{
    if (ldflags && ldflags[0])
        return true;
    for (; cflags && *cflags; cflags++)
        if (strncmp(*cflags, "-fopenmp", 8) == 0 || strncmp(*cflags, "-fsanitize", 10) == 0 ||
            strncmp(*cflags, "-pg", 3) == 0 || strncmp(*cflags, "--coverage", 10) == 0)
            return true;
    return false;
}

static size_t push_compile_flags(CellCompiler *compiler, char **argv, size_t n, char *const *cflags)
{
    argv[n++] = compiler->cc;
    n = push_all(argv, n, code_flags);
    /* The compiler as a teacher: a missing return or a wrong printf format
     * is shown with the cell's line; the user's %cflags -w comes later and
     * silences it. */
    argv[n++] = "-Wall";
    /* Errors in a cell point at the cell's line, not at the renaming
     * macros of the runtime's names (runtime_names.h). */
    argv[n++] = "-ftrack-macro-expansion=0";
    argv[n++] = "-Werror=implicit-function-declaration";
    argv[n++] = "-Werror=implicit-int";
    /* gcc runs in the work directory; the notebook's own headers are in
     * the directory the kernel started in. */
    argv[n++] = "-iquote";
    argv[n++] = compiler->quote_dir;
    argv[n++] = "-I.";
    argv[n++] = compiler->include_flag;
    /* gcc's -w would also let an undeclared function through (implicit
     * int, garbage results): the user's -w turns off what -Wall and
     * -Wextra turned on, and calling an undeclared function stays an error. */
    for (; cflags && *cflags && n + 2 < MAX_ARGS - 16; cflags++) {
        if (strcmp(*cflags, "-w") == 0) {
            argv[n++] = "-Wno-all";
            argv[n++] = "-Wno-extra";
        } else {
            argv[n++] = *cflags;
        }
    }
    argv[n] = NULL;
    return n;
}

/* The gcc driver spends most of a trivial link on its defaults; ld with
 * exactly the pieces -shared needs is several times faster.  Undefined
 * symbols (libc, libcnb, earlier cells) resolve when the worker dlopens
 * the cell, from the libraries already loaded. */
static int link_fast(CellCompiler *compiler, const char *object, const char *library, char **diagnostics)
{
    char *argv[MAX_ARGS];
    size_t n = 0;
    argv[n++] = compiler->ld;
    argv[n++] = "-shared";
    argv[n++] = "-o";
    argv[n++] = (char *)library;
    argv[n++] = compiler->link_parts[CRTI];
    argv[n++] = compiler->link_parts[CRTBEGIN];
    argv[n++] = (char *)object;
    for (const char *const *flag = link_flags; *flag; flag++)
        argv[n++] = (char *)*flag + strlen("-Wl,");
    argv[n++] = compiler->link_parts[LIBC_NONSHARED];
    argv[n++] = compiler->link_parts[LIBGCC];
    argv[n++] = compiler->link_parts[CRTEND];
    argv[n++] = compiler->link_parts[CRTN];
    argv[n] = NULL;
    return run_program(argv, compiler->work_dir, diagnostics);
}

/* name as gcc saw it: relative to dir, where it ran. */
static void remove_in(const char *dir, const char *name)
{
    char *path = NULL;
    if (name[0] == '/')
        unlink(name);
    else if (asprintf(&path, "%s/%s", dir, name) >= 0)
        unlink(path);
    free(path);
}

static char *join_output(char *a, char *b)
{
    if (!b)
        return a;
    if (!a)
        return b;
    char *joined = NULL;
    if (asprintf(&joined, "%s%s", a, b) < 0)
        joined = NULL;
    free(a);
    free(b);
    return joined;
}

int cell_compiler_build(CellCompiler *compiler, const char *source, const char *library,
                        char *const *cflags, char *const *ldflags, char **diagnostics)
{
    char *argv[MAX_ARGS];
    size_t n = push_compile_flags(compiler, argv, 0, cflags);
    int rc;
    if (compiler->ld && !needs_driver_link(cflags, ldflags)) {
        char *object = NULL;
        if (asprintf(&object, "%s.o", library) < 0)
            return -1;
        argv[n++] = "-c";
        argv[n++] = "-o";
        argv[n++] = object;
        argv[n++] = (char *)source;
        argv[n] = NULL;
        rc = run_program(argv, compiler->work_dir, diagnostics);
        if (rc == 0) {
            char *link_output = NULL;
            rc = link_fast(compiler, object, library, &link_output);
            if (diagnostics)
                *diagnostics = join_output(*diagnostics, link_output);
            else
                free(link_output);
        }
        remove_in(compiler->work_dir, object);      /* the library has it all now */
        free(object);
    } else {
        argv[n++] = "-shared";
        argv[n++] = "-o";
        argv[n++] = (char *)library;
        argv[n++] = (char *)source;
        argv[n++] = compiler->lib_flag;
        n = push_all(argv, n, link_flags);
        n = push_all(argv, n, (const char *const *)ldflags);
        argv[n] = NULL;
        rc = run_program(argv, compiler->work_dir, diagnostics);
    }
    if (rc < 0 && diagnostics && !*diagnostics &&
        asprintf(diagnostics, "cannot run the C compiler %s\n", compiler->cc) < 0)
        *diagnostics = NULL;
    return rc == 0 ? 0 : -1;
}

static int preprocess(CellCompiler *compiler, const char *source, char *const *cflags,
                      const char *mode, const char *mode2, char **output)
{
    char *argv[MAX_ARGS];
    size_t n = push_compile_flags(compiler, argv, 0, cflags);
    argv[n++] = "-w";
    argv[n++] = "-E";
    argv[n++] = (char *)mode;
    if (mode2)
        argv[n++] = (char *)mode2;
    argv[n++] = (char *)source;
    argv[n] = NULL;
    return run_program(argv, compiler->work_dir, output) == 0 ? 0 : -1;
}

int cell_compiler_preprocess(CellCompiler *compiler, const char *source, char *const *cflags,
                             char **output)
{
    return preprocess(compiler, source, cflags, "-P", NULL, output);
}

int cell_compiler_list_macros(CellCompiler *compiler, const char *source, char *const *cflags,
                              char **output)
{
    /* The precompiled header is read, not printed: a tenth of the text. */
    return preprocess(compiler, source, cflags, "-dD", "-fpch-preprocess", output);
}
