// SPDX-License-Identifier: BSD-3-Clause
/* interpreter_execute and interpreter_evaluate: one cell, from its text to
 * its outcome: the magics that act before it
 * (%reset, %who, %cflags, #if resolved by the preprocessor), the split into
 * declarations and statements, the build (cell_build.c), the run in the
 * worker (worker_supervision.c), and the commit of what it declared once
 * the worker has loaded it. */
#include "interpreter_internal.h"
#include "compiler/c_lexer.h"
#include "compiler/cell_commit.h"
#include "compiler/cell_unload.h"
#include "compiler/conditionals.h"
#include "compiler/help_request.h"
#include "compiler/included_macros.h"
#include "crash_location.h"
#include "magic_answers.h"
#include "outcome.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- committing ---- */

/* Functions and variables that changed type, and who still uses the old. */
static void note_new_types(Interpreter *interp, const Rebinds *rebinds, const json_t *done,
                           const ExecuteSink *sink)
{
    pthread_mutex_lock(&interp->lock);
    char *notes = late_binding_notes(rebinds, done, &interp->state);
    pthread_mutex_unlock(&interp->lock);
    if (notes)
        sink_text(sink, "stderr", notes);
    free(notes);
}

static void commit(Interpreter *interp, const CellPlan *plan, int cell, const char *origin,
                   const KeySet *declared, const Rebinds *rebinds, const CellMagics *magics,
                   const ExecuteSink *sink)
{
    char *dropped = NULL;
    pthread_mutex_lock(&interp->lock);
    cell_commit(&interp->state, plan, cell, origin, declared, rebinds, &dropped);
    string_list_extend(&interp->cflags, &magics->cflags);
    string_list_extend(&interp->ldflags, &magics->ldflags);
    pthread_mutex_unlock(&interp->lock);
    if (dropped) {
        char *note = NULL;
        if (asprintf(&note, "note: %s used a type this cell redefined and %s no longer visible; "
                            "run the cells that declare them again\n",
                     dropped, strchr(dropped, ',') ? "are" : "is") >= 0)
            sink_text(sink, "stderr", note);
        free(note);
    }
    free(dropped);
}

/* ---- magics that answer at once (their text: magic_answers.c) ---- */

static void show_who(Interpreter *interp, const ExecuteSink *sink)
{
    pthread_mutex_lock(&interp->lock);
    char *text = who_text(&interp->state);
    pthread_mutex_unlock(&interp->lock);
    sink_text(sink, "stdout", text);
    free(text);
}

static void show_flags(Interpreter *interp, const ExecuteSink *sink)
{
    pthread_mutex_lock(&interp->lock);
    char *text = flags_text(&interp->cflags, &interp->ldflags);
    pthread_mutex_unlock(&interp->lock);
    sink_text(sink, "stdout", text);
    free(text);
}

static void finish_done(Interpreter *interp, Pump *pump)
{
    json_t *done = pump->done;
    const char *status = json_string_value(json_object_get(done, "status"));
    if (status && strcmp(status, "ok") == 0)
        return;
    const char *ename = json_string_value(json_object_get(done, "ename"));
    const char *evalue = json_string_value(json_object_get(done, "evalue"));
    json_t *traceback = json_array();
    const char *library = json_string_value(json_object_get(done, "library"));
    if (library) {
        StringList renames = {0};
        pthread_mutex_lock(&interp->lock);
        string_list_extend(&renames, &interp->debug_renames);
        pthread_mutex_unlock(&interp->lock);
        char *where = crash_location(library, (long)json_integer_value(json_object_get(done, "offset")),
                                     &renames);
        string_list_free(&renames);
        char *line = NULL;
        if (where && asprintf(&line, "  %s", where) >= 0)
            json_array_append_new(traceback, json_string(line));
        free(line);
        free(where);
    }
    /* A runtime error is the cell's, like a Python exception: nothing
     * was caught that needs reassuring words. */
    bool runtime_error = json_is_true(json_object_get(done, "runtime_error"));
    if (ename && !runtime_error && strcmp(ename, "LinkError") != 0 && strcmp(ename, "KeyboardInterrupt") != 0)
        json_array_append_new(traceback, json_string("The kernel caught this and keeps running; "
                                                     "variables from earlier cells are still there."));
    outcome_set_error(pump->outcome, ename ? ename : "Error", evalue, traceback);
}

/* #if / #ifdef in the cell: the preprocessor decides which lines are
 * compiled (see conditionals.h).  When it fails (an #error that is taken,
 * a missing header), the cell stays as it is and the compiler says why. */
static void resolve_conditionals(Interpreter *interp, const CellMagics *magics)
{
    StringList cflags = {0};
    pthread_mutex_lock(&interp->lock);
    string_list_extend(&cflags, &interp->cflags);
    pthread_mutex_unlock(&interp->lock);
    string_list_extend(&cflags, &magics->cflags);
    char *probe = conditionals_probe(magics->code);
    char *prelude = interpreter_prelude(interp);
    char *text = NULL, *output = NULL;
    if (probe && prelude && asprintf(&text, "#include <cnb.h>\n%s\n%s", prelude, probe) >= 0 &&
        write_file(interp->work_dir, "conditionals.c", text) == 0 &&
        cell_compiler_preprocess(interp->compiler, "conditionals.c", cflags.items, &output) == 0)
        conditionals_apply(magics->code, output);
    free(output);
    free(text);
    free(prelude);
    free(probe);
    string_list_free(&cflags);
}

/* %rollback on / off / (show).  Off ends the snapshot at once (it is the
 * worker's child: killed here, reaped there when the next cell runs). */
static void apply_rollback(Interpreter *interp, RollbackMagic rollback, const ExecuteSink *sink)
{
    if (rollback == ROLLBACK_ON)
        interp->rollback = true;
    if (rollback == ROLLBACK_OFF) {
        interp->rollback = false;
        if (interp->worker.snapshot > 0)
            kill(interp->worker.snapshot, SIGKILL);
        interp->worker.snapshot = -1;
    }
    char *text = NULL;
    int rc;
    if (!interp->rollback)
        rc = asprintf(&text, "Rollback is off: if the process running the cells dies, the state of "
                             "earlier cells is lost (%%rollback on brings it back).\n");
    else if (interp->worker.snapshot > 0)
        rc = asprintf(&text, "Rollback is on: a crash goes back to the end of cell %s.\n",
                      interp->snapshot_cell);
    else
        rc = asprintf(&text, "Rollback is on: after the next cell that runs, a crash goes back to "
                             "its end.\n");
    if (rc >= 0)
        sink_text(sink, "stdout", text);
    free(text);
}

/* Does code #include a header no earlier cell included? */
static bool has_new_include(Interpreter *interp, const char *code)
{
    CTokens tokens = {0};
    if (!strstr(code, "include") || c_lex(code, strlen(code), &tokens) != 0)
        return false;
    bool found = false;
    pthread_mutex_lock(&interp->lock);
    for (size_t i = 0; i < tokens.count && !found; i++) {
        const CToken *t = &tokens.items[i];
        char *key = NULL;
        /* cnb.h and its headers are the precompiled header's: nothing new. */
        if (t->kind != CTOK_DIRECTIVE || !memmem(code + t->start, t->length, "include", 7) ||
            memmem(code + t->start, t->length, "<cnb.h>", 7) || memmem(code + t->start, t->length, "<cnb/", 5) ||
            asprintf(&key, "#include %.*s", (int)t->length, code + t->start) < 0)
            continue;
        found = !cell_state_find(&interp->state, ENTRY_INCLUDE, key);
        free(key);
    }
    pthread_mutex_unlock(&interp->lock);
    c_tokens_free(&tokens);
    return found;
}

/* The macros the cell's new headers bring (included_macros.h), or NULL:
 * the splitter must know zconf.h's ZEXTERN to read zlib.h's prototypes. */
static char *header_macros(Interpreter *interp, const CellMagics *magics)
{
    if (!has_new_include(interp, magics->code))
        return NULL;
    StringList cflags = {0};
    pthread_mutex_lock(&interp->lock);
    string_list_extend(&cflags, &interp->cflags);
    pthread_mutex_unlock(&interp->lock);
    string_list_extend(&cflags, &magics->cflags);
    wait_prepared(interp);  /* the precompiled header */
    char *prelude = interpreter_prelude(interp);
    char *probe = included_macros_probe(cell_compiler_header(interp->compiler), prelude, magics->code);
    char *output = NULL, *macros = NULL;
    if (probe && write_file(interp->work_dir, "included_macros.c", probe) == 0 &&
        cell_compiler_list_macros(interp->compiler, "included_macros.c", cflags.items, &output) == 0)
        macros = included_macros_collect(output, "included_macros.c");
    free(output);
    free(probe);
    free(prelude);
    string_list_free(&cflags);
    return macros;
}

/* What acts before the cell's code: %reset, %who, %cflags, %rollback, #if. */
static void apply_magics(Interpreter *interp, CellMagics *magics, const ExecuteSink *sink)
{
    if (magics->reset) {
        /* Like a kernel restart, but keeping the connection and the counter. */
        restart_worker(interp);
        pthread_mutex_lock(&interp->lock);
        string_list_free(&interp->cflags);
        string_list_free(&interp->ldflags);
        pthread_mutex_unlock(&interp->lock);
        sink_text(sink, "stderr", "All variables, functions, types, includes and flags of "
                                    "earlier cells are forgotten.\n");
    }
    if (magics->rollback != ROLLBACK_UNCHANGED)
        apply_rollback(interp, magics->rollback, sink);
    if (magics->who)
        show_who(interp, sink);
    if (magics->show_flags)
        show_flags(interp, sink);
    if (conditionals_present(magics->code)) {
        wait_prepared(interp);
        resolve_conditionals(interp, magics);
    }
}

static bool nothing_to_build(const CellPlan *plan, const CellMagics *magics)
{
    return plan->count == 0 && magics->timeit_count == 0 && magics->cflags.count == 0 &&
           magics->ldflags.count == 0;
}

/* What the cell replaces of the earlier state, taken under one lock (the
 * plan learns which of its items repeat an earlier one unchanged). */
typedef struct CellContext {
    KeySet declared;            /* what the cell declares */
    bool *hidden;               /* earlier declarations it replaces, NULL on failure */
    Rebinds rebinds;            /* functions it redefines (late binding) */
    StringList cflags, ldflags; /* earlier cells' and its own */
} CellContext;

static void cell_context_take(Interpreter *interp, CellPlan *plan, const CellMagics *magics,
                              CellContext *context)
{
    *context = (CellContext){0};
    pthread_mutex_lock(&interp->lock);
    cell_mark_unchanged(&interp->state, plan);
    cell_declared_keys(plan, &context->declared);
    context->hidden = calloc(interp->state.count + 1, sizeof *context->hidden);
    if (context->hidden)
        cell_state_hidden(&interp->state, &context->declared, context->hidden);
    if (late_binding_plan(&interp->state, plan, &context->declared, &context->rebinds) != 0) {
        free(context->hidden);
        context->hidden = NULL;
    }
    string_list_extend(&context->cflags, &interp->cflags);
    string_list_extend(&context->cflags, &magics->cflags);
    string_list_extend(&context->ldflags, &interp->ldflags);
    string_list_extend(&context->ldflags, &magics->ldflags);
    pthread_mutex_unlock(&interp->lock);
}

static void cell_context_free(CellContext *context)
{
    free(context->hidden);
    string_list_free(&context->cflags);
    string_list_free(&context->ldflags);
    late_binding_free(&context->rebinds);
    key_set_free(&context->declared);
}

/* Runs a compiled cell and, once the worker has loaded it, commits what
 * it declared. */
static void run_and_commit(Interpreter *interp, const CellPlan *plan, const CellMagics *magics,
                           const char *origin, CellContext *context, Compiled *compiled,
                           bool silent, bool allow_stdin, const ExecuteSink *sink,
                           ExecuteOutcome *outcome)
{
    if (take_interrupt(interp)) {
        outcome_set_error(outcome, "KeyboardInterrupt", "interrupted before the cell ran", NULL);
        return;
    }
    Pump pump = {.worker = &interp->worker, .interrupt_fd = interp->interrupt_fd, .sink = sink,
                 .silent = silent, .allow_stdin = allow_stdin, .out = {.name = "stdout"},
                 .err = {.name = "stderr"}, .outcome = outcome};
    if (run_compiled(interp, compiled, &context->rebinds, origin, &pump) == 1) {
        late_binding_confirm(&context->rebinds, pump.done);
        note_new_types(interp, &context->rebinds, pump.done, sink);
        if (json_is_true(json_object_get(pump.done, "loaded")))
            commit(interp, plan, compiled->cell, origin, &context->declared, &context->rebinds,
                   magics, sink);
        finish_done(interp, &pump);
        if (compiled->unload)
            remove_cell_files(interp, compiled, origin);
    }
    json_decref(pump.done);
    free(pump.out.data);
    free(pump.err.data);
}

/* Builds the split cell and runs it: 0, or -1 when the interpreter failed. */
static int build_and_run(Interpreter *interp, CellPlan *plan, const CellMagics *magics,
                         const char *debug_code, const char *origin, bool silent, bool allow_stdin,
                         const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    wait_prepared(interp);
    write_file(interp->work_dir, origin, magics->code);  /* gcc quotes the lines from it */
    CellContext context;
    cell_context_take(interp, plan, magics, &context);
    if (debug_code)
        debugging_flags(interp, debug_code, origin, &context.cflags);
    Compiled compiled = {.cell = ++interp->next_cell,
                         .unload = magics->timeit_count == 0 && cell_can_unload(plan, plan->expanded ? plan->expanded : magics->code)};
    CellBuild build = {.plan = plan, .magics = magics, .origin = origin, .hidden = context.hidden,
                       .rebinds = &context.rebinds, .cflags = &context.cflags,
                       .ldflags = &context.ldflags};
    int rc = context.hidden ? compile_cell(interp, &build, &compiled) : -1;
    if (rc == 0 && !compiled.ok) {
        compile_error(outcome, compiled.diagnostics, origin);
    } else if (rc == 0) {
        /* Warnings of a cell that compiled are worth seeing. */
        sink_text(sink, "stderr", compiled.diagnostics);
        run_and_commit(interp, plan, magics, origin, &context, &compiled, silent, allow_stdin,
                       sink, outcome);
    }
    compiled_free(&compiled);
    cell_context_free(&context);
    return rc;
}

/* origin names the cell in diagnostics and tracebacks ("In[3]"); gcc
 * quotes the cell's lines from a file of that name in the work directory.
 * debug_code: the cell as the frontend has it, which names it for a
 * debugger (NULL for an expression). */
int execute_cell(Interpreter *interp, const char *code, const char *debug_code, const char *origin,
                 bool silent, bool allow_stdin, const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    *outcome = (ExecuteOutcome){.status = EXECUTE_OK};
    if (!interp || !code)
        return -1;
    take_interrupt(interp);
    if (!ensure_worker(interp, sink))
        return -1;
    CellMagics magics;
    if (magics_parse(code, &magics) != 0)
        return -1;
    int rc = 0;
    if (magics.error) {
        outcome_set_error(outcome, "UsageError", magics.error, NULL);
    } else {
        apply_magics(interp, &magics, sink);
        CellPlan plan;
        char *macros = header_macros(interp, &magics);
        rc = interpreter_split_cell(interp, magics.code, macros, &magics.cflags, &plan);
        if (rc == 0) {
            plan.header_macros = macros;
            macros = NULL;
            if (!nothing_to_build(&plan, &magics))
                rc = build_and_run(interp, &plan, &magics, debug_code, origin, silent, allow_stdin,
                                   sink, outcome);
            cell_plan_free(&plan);
        }
        free(macros);
    }
    magics_free(&magics);
    return rc == 0 ? 0 : -1;
}

/* ---- the entry points of interpreter.h ---- */

/* `name?` lines: the declaration and doc comment as a pager payload, as
 * IPython's obj? does. */
int interpreter_execute(Interpreter *interp, const char *code, int execution_count, bool silent,
                        bool allow_stdin, const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    *outcome = (ExecuteOutcome){.status = EXECUTE_OK};
    if (!interp || !code)
        return -1;
    char origin[32];
    snprintf(origin, sizeof origin, "In[%d]", execution_count);
    StringList help = {0};
    char *rest = strdup(code);
    if (!rest || help_requests_take(rest, &help) != 0) {
        free(rest);
        string_list_free(&help);
        return -1;
    }
    pthread_mutex_lock(&interp->run_lock);
    int rc = execute_cell(interp, rest, code, origin, silent, allow_stdin, sink, outcome);
    pthread_mutex_unlock(&interp->run_lock);
    if (rc == 0 && outcome->status == EXECUTE_OK)
        answer_help(interp, interp->assistant.help, &help, sink, outcome);
    free(rest);
    string_list_free(&help);
    return rc;
}

/* Only an expression: a user expression must not declare or run
 * statements behind the user's back, as IPython's eval() refuses them. */
static bool is_one_expression(Interpreter *interp, const char *code)
{
    const char *start = code + strspn(code, " \t\r\n");
    if (*start == '%' || *start == '#' || *start == '\0')
        return false;
    CellPlan plan;
    if (interpreter_split(interp, code, &plan) != 0)
        return false;
    bool one = plan.count == 1 && plan.items[0].kind == ITEM_EXPRESSION;
    cell_plan_free(&plan);
    return one;
}

int interpreter_evaluate(Interpreter *interp, const char *expression, const ExecuteSink *sink,
                         ExecuteOutcome *outcome)
{
    *outcome = (ExecuteOutcome){.status = EXECUTE_OK};
    if (!interp || !expression)
        return -1;
    if (!is_one_expression(interp, expression)) {
        outcome_set_error(outcome, "SyntaxError",
                          "a user expression is one C expression, without ';' "
                          "(no declarations, statements or magics)", NULL);
        return 0;
    }
    pthread_mutex_lock(&interp->run_lock);
    int rc = execute_cell(interp, expression, NULL, "<expression>", false, false, sink, outcome);
    pthread_mutex_unlock(&interp->run_lock);
    return rc;
}
