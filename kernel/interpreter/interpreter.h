// SPDX-License-Identifier: BSD-3-Clause
/* The interpreter: what the protocol front asks of the code side.
 *
 * The front (kernel/front) owns ZeroMQ and the Jupyter protocol; the
 * interpreter (kernel/interpreter, with kernel/compiler and kernel/assistants)
 * owns the cell compiler and the worker process that runs cells.  This
 * header is the whole contract between them, as xeus's interpreter
 * interface is.
 *
 * Threads: interpreter_execute blocks until the cell is done and calls the
 * sink from the calling thread.  interpreter_interrupt, interpreter_complete,
 * interpreter_inspect and interpreter_is_complete may be called from other
 * threads while a cell runs (they never wait for the cell). */
#ifndef CNB_KERNEL_INTERPRETER_H
#define CNB_KERNEL_INTERPRETER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct Interpreter Interpreter;

/* Where a running cell's output goes (the front turns these into iopub
 * and stdin messages). */
typedef struct ExecuteSink {
    void *context;
    /* name is "stdout" or "stderr"; text is UTF-8, never split inside a character. */
    void (*stream)(void *context, const char *name, const char *text, size_t size);
    /* data: MIME type -> value as the protocol wants it (binary types base64).
     * update: update_display_data (display_id is then set). */
    void (*display)(void *context, json_t *data, json_t *metadata,
                    const char *display_id, bool update);
    void (*clear_output)(void *context, bool wait);
    /* Asks the frontend for a line of input; returns a malloc'd string, or
     * NULL when stdin is not allowed or the request was abandoned. */
    char *(*input)(void *context, const char *prompt, bool password);
} ExecuteSink;

typedef enum ExecuteStatus { EXECUTE_OK, EXECUTE_ERROR, EXECUTE_ABORTED } ExecuteStatus;

typedef struct ExecuteOutcome {
    ExecuteStatus status;
    json_t *result_data;       /* execute_result data, or NULL if none */
    json_t *result_metadata;   /* execute_result metadata, or NULL */
    char *ename, *evalue;      /* on EXECUTE_ERROR: e.g. "CompileError", "SIGSEGV", "KeyboardInterrupt" */
    json_t *traceback;         /* on EXECUTE_ERROR: array of strings */
    json_t *payload;           /* execute_reply payloads (the pager's help), or NULL */
} ExecuteOutcome;

/* Starts the worker.  work_dir: a private directory for this kernel's
 * generated files (created; removed by interpreter_free). */
Interpreter *interpreter_new(const char *work_dir);
void interpreter_free(Interpreter *interp);

/* Runs one cell.  Returns 0 when the outcome was filled in (also for errors
 * in the cell), -1 only if the interpreter itself failed. */
int interpreter_execute(Interpreter *interp, const char *code, int execution_count,
                        bool silent, bool allow_stdin, const ExecuteSink *sink,
                        ExecuteOutcome *outcome);
void execute_outcome_clear(ExecuteOutcome *outcome);

/* Evaluates one C expression in the state the cells left (the protocol's
 * user_expressions): its value is outcome->result_data.  Anything that is
 * not a single expression is an error outcome ("SyntaxError"), as is a
 * fault while evaluating it; the state stays as it was. */
int interpreter_evaluate(Interpreter *interp, const char *expression, const ExecuteSink *sink,
                         ExecuteOutcome *outcome);

/* Asks the running cell to stop (both interrupt modes end up here). */
void interpreter_interrupt(Interpreter *interp);

/* Attaches completion, inspection and the answer to `name?` (kernel/assistants)
 * to a new interpreter, before requests reach it; they are freed with it. */
void assistants_attach(Interpreter *interp);

/* complete_reply / inspect_reply content (without "status"); new references. */
json_t *interpreter_complete(Interpreter *interp, const char *code, int cursor_pos);
json_t *interpreter_inspect(Interpreter *interp, const char *code, int cursor_pos,
                            int detail_level);
/* "complete", "incomplete" (with *indent set to a malloc'd string) or "invalid". */
const char *interpreter_is_complete(const char *code, char **indent);

/* ---- what the debugger (kernel/debugger) needs; any thread ---- */

/* The worker's process id (the debuggee), or -1 when none runs. */
int interpreter_worker_pid(Interpreter *interp);

/* The path the debugger knows a cell by, from the cell's code (malloc'd),
 * or NULL to leave the cell as it is. */
typedef char *(*CellDebugPath)(void *context, const char *code);
/* While a debugger is attached, cells are compiled for it: -O0 (without
 * _FORTIFY_SOURCE, which needs optimization) and with debug info naming
 * the cell's lines by path_for's path instead of In[N] (diagnostics and
 * tracebacks keep In[N]).  path_for NULL: cells are compiled as before. */
void interpreter_set_debugging(Interpreter *interp, CellDebugPath path_for, void *context);

/* The globals of earlier cells, [{"name", "type", "value"}] (a new
 * reference).  The values are the cells' representations (as a trailing
 * expression shows them), evaluated in the worker only while no cell runs;
 * otherwise, and for values that cannot be shown, "value" is "". */
json_t *interpreter_globals(Interpreter *interp);

#endif
