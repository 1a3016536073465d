// SPDX-License-Identifier: BSD-3-Clause
/* What the files of kernel/interpreter share and nobody else sees: the
 * interpreter's fields and the steps of running a cell.
 *
 *   interpreter.c        life cycle, the state, the state view for the
 *                        assistants; called by the others, calls none of them
 *   execute_cell.c       interpreter_execute / _evaluate: magics, split,
 *                        compile, run, commit
 *   cell_build.c         a cell's source and library, with the retries
 *   worker_supervision.c starting, watching and restarting the worker */
#ifndef CNB_INTERPRETER_INTERPRETER_INTERNAL_H
#define CNB_INTERPRETER_INTERPRETER_INTERNAL_H

#include "interpreter.h"
#include "interpreter_state.h"
#include "compiler/cell_compiler.h"
#include "compiler/cell_splitter.h"
#include "compiler/cell_state.h"
#include "compiler/late_binding.h"
#include "compiler/magics.h"
#include "output_pump.h"
#include "worker_process.h"

#include <pthread.h>
#include <stdatomic.h>

struct Interpreter {
    char *work_dir;
    CellCompiler *compiler;
    pthread_t prepare_thread;
    bool preparing;
    pthread_mutex_t lock;           /* state, flags */
    CellState state;
    StringList cflags, ldflags;
    WorkerProcess worker;
    atomic_int worker_pid;
    int interrupt_fd;               /* eventfd: interpreter_interrupt wakes the pump */
    int next_cell;
    bool rollback;                  /* %rollback on (the default) / off */
    char snapshot_cell[32];         /* "[12]": the cell whose end the snapshot holds */
    bool snapshot_note_given;       /* why snapshots are skipped: said once */
    InterpreterAssistant assistant; /* registered by kernel/assistants */
    /* Held while a cell or an expression runs (interpreter_globals only
     * evaluates when it can take it at once). */
    pthread_mutex_t run_lock;
    CellDebugPath debug_path;       /* under lock: set while a debugger is attached */
    void *debug_context;
    StringList debug_renames;       /* under lock: pairs of a debugger's cell path and In[N] */
    bool debug_pch_tried;           /* the compiling thread's: the -O0 PCH was built (or failed) */
};

/* interpreter.c */
/* Waits for the precompiled header that interpreter_new started. */
void wait_prepared(Interpreter *interp);
/* Whether an interrupt arrived since the last call (and clears it). */
bool take_interrupt(Interpreter *interp);
/* Writes text to dir/name; 0 or -1. */
int write_file(const char *dir, const char *name, const char *text);

/* debugging.c */
/* The flags that compile a cell for the debugger (added to cflags), when
 * one is attached: -O0 and its debug info under the debugger's path. */
void debugging_flags(Interpreter *interp, const char *code, const char *origin, StringList *cflags);

/* execute_cell.c */
/* One cell under the run lock's holder: 0, or -1 when the interpreter failed. */
int execute_cell(Interpreter *interp, const char *code, const char *debug_code, const char *origin,
                 bool silent, bool allow_stdin, const ExecuteSink *sink, ExecuteOutcome *outcome);

/* cell_build.c */
typedef struct Compiled {
    int cell;
    char *library;          /* absolute path */
    char *diagnostics;
    bool ok;
    bool unload;            /* statements only: the worker unloads it after the run */
} Compiled;

/* Everything compile_cell needs to know about the cell beyond its plan. */
typedef struct CellBuild {
    const CellPlan *plan;
    const CellMagics *magics;
    const char *origin;
    const bool *hidden;             /* earlier declarations the cell replaces */
    const Rebinds *rebinds;
    const StringList *cflags, *ldflags;
} CellBuild;

/* Compiles the cell (first against only the declarations it names, then
 * against all); out->ok says whether it compiled.  0, or -1 when the
 * interpreter itself failed. */
int compile_cell(Interpreter *interp, const CellBuild *build, Compiled *out);
/* A CompileError outcome from gcc's diagnostics. */
void compile_error(ExecuteOutcome *outcome, const char *diagnostics, const char *origin);
/* An unloaded cell's files: nothing refers to them any more. */
void remove_cell_files(Interpreter *interp, const Compiled *compiled, const char *origin);
void compiled_free(Compiled *compiled);

/* worker_supervision.c */
int start_worker(Interpreter *interp);
/* Starts a fresh worker with an empty state. */
void restart_worker(Interpreter *interp);
/* A worker that died between cells is replaced (and the user told);
 * false if none could be started. */
bool ensure_worker(Interpreter *interp, const ExecuteSink *sink);
/* Sends the cell to the worker and pumps its output until it is done: 1;
 * 0 when the worker died during it or the cell damaged the heap (reported
 * in the outcome, and a fresh one started).  origin names the cell. */
int run_compiled(Interpreter *interp, const Compiled *compiled, const Rebinds *rebinds,
                 const char *origin, Pump *pump);

/* interpreter_split with the macros the cell's own new headers bring
 * (included_macros.h; NULL: none) and the -D options of its %cflags (NULL:
 * none) on top of the earlier cells'. */
int interpreter_split_cell(Interpreter *interp, const char *code, const char *header_macros,
                           const StringList *cflags, CellPlan *plan);

#endif
