// SPDX-License-Identifier: BSD-3-Clause
/* A test double of kernel/interpreter/interpreter.h for developing and debugging the
 * protocol front on its own (never linked into the shipped kernel).  Cells
 * are tiny line commands instead of C:
 *   print TEXT | eprint TEXT | result TEXT | fail | loop | input PROMPT |
 *   display | clear
 * Built only on request: make -C tests kernel/front/fake_kernel */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "interpreter/interpreter.h"
#include "jupyter_paths.h"

struct Interpreter {
    char *work_dir;
    atomic_int interrupted;
};

Interpreter *interpreter_new(const char *work_dir)
{
    Interpreter *interp = calloc(1, sizeof *interp);
    interp->work_dir = strdup(work_dir);
    return interp;
}

void interpreter_free(Interpreter *interp)
{
    remove_tree(interp->work_dir);
    free(interp->work_dir);
    free(interp);
}

static void fail(ExecuteOutcome *outcome, const char *ename, const char *evalue)
{
    outcome->status = EXECUTE_ERROR;
    outcome->ename = strdup(ename);
    outcome->evalue = strdup(evalue);
    outcome->traceback = json_pack("[s]", evalue);
}

static int run_line(Interpreter *interp, const char *line, const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    const char *arg = strchr(line, ' ') ? strchr(line, ' ') + 1 : "";
    if (strncmp(line, "print", 5) == 0 || strncmp(line, "eprint", 6) == 0) {
        char *text = NULL;
        if (asprintf(&text, "%s\n", arg) > 0)
            sink->stream(sink->context, line[0] == 'e' ? "stderr" : "stdout", text, strlen(text));
        free(text);
    } else if (strncmp(line, "result", 6) == 0) {
        json_decref(outcome->result_data);      /* the last result line counts */
        outcome->result_data = json_pack("{s:s}", "text/plain", arg);
    } else if (strcmp(line, "fail") == 0) {
        fail(outcome, "TestError", "failed on purpose");
        return -1;
    } else if (strcmp(line, "loop") == 0) {
        while (!atomic_exchange(&interp->interrupted, 0))
            usleep(1000);
        fail(outcome, "KeyboardInterrupt", "interrupted");
        return -1;
    } else if (strncmp(line, "input", 5) == 0) {
        char *value = sink->input(sink->context, arg, false);
        if (!value) {
            fail(outcome, "StdinNotAllowed", "no input");
            return -1;
        }
        char *text = NULL;
        if (asprintf(&text, "got: %s\n", value) > 0)
            sink->stream(sink->context, "stdout", text, strlen(text));
        free(text);
        free(value);
    } else if (strcmp(line, "display") == 0) {
        json_t *data = json_pack("{s:s, s:s}", "text/html", "<b>x</b>", "text/plain", "x");
        sink->display(sink->context, data, NULL, NULL, false);
        json_decref(data);
    } else if (strcmp(line, "clear") == 0) {
        sink->clear_output(sink->context, false);
    }
    return 0;
}

int interpreter_execute(Interpreter *interp, const char *code, int execution_count, bool silent,
                        bool allow_stdin, const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    (void)execution_count; (void)silent; (void)allow_stdin;
    memset(outcome, 0, sizeof *outcome);
    atomic_store(&interp->interrupted, 0);
    char *copy = strdup(code), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (run_line(interp, line, sink, outcome) < 0)
            break;
    free(copy);
    return 0;
}

/* A user expression is one line command of the same kind. */
int interpreter_evaluate(Interpreter *interp, const char *expression, const ExecuteSink *sink,
                         ExecuteOutcome *outcome)
{
    memset(outcome, 0, sizeof *outcome);
    run_line(interp, expression, sink, outcome);   /* a failure is in the outcome */
    return 0;
}

void execute_outcome_clear(ExecuteOutcome *outcome)
{
    json_decref(outcome->result_data);
    json_decref(outcome->result_metadata);
    json_decref(outcome->traceback);
    json_decref(outcome->payload);
    free(outcome->ename);
    free(outcome->evalue);
    memset(outcome, 0, sizeof *outcome);
}

void assistants_attach(Interpreter *interp)
{
    (void)interp;   /* the double answers completion and inspection itself */
}

void interpreter_interrupt(Interpreter *interp)
{
    atomic_store(&interp->interrupted, 1);
}

json_t *interpreter_complete(Interpreter *interp, const char *code, int cursor_pos)
{
    (void)interp; (void)code;
    return json_pack("{s:[s], s:i, s:i, s:{}}", "matches", "fake_match", "cursor_start", cursor_pos,
                     "cursor_end", cursor_pos, "metadata");
}

json_t *interpreter_inspect(Interpreter *interp, const char *code, int cursor_pos, int detail_level)
{
    (void)interp; (void)code; (void)cursor_pos; (void)detail_level;
    return json_pack("{s:b, s:{s:s}, s:{}}", "found", 1, "data", "text/plain", "fake", "metadata");
}

const char *interpreter_is_complete(const char *code, char **indent)
{
    int depth = 0;
    for (const char *p = code; *p; p++) {
        depth += *p == '{';
        depth -= *p == '}';
        if (depth < 0)
            return "invalid";
    }
    if (depth > 0) {
        *indent = strdup("    ");
        return "incomplete";
    }
    return "complete";
}

/* No worker process: nothing for a debugger to attach to. */
int interpreter_worker_pid(Interpreter *interp)
{
    (void)interp;
    return -1;
}

void interpreter_set_debugging(Interpreter *interp, CellDebugPath path_for, void *context)
{
    (void)interp, (void)path_for, (void)context;
}

json_t *interpreter_globals(Interpreter *interp)
{
    (void)interp;
    return json_array();
}

int main(int argc, char **argv)
{
    return cnb_kernel_main(argc, argv);
}
