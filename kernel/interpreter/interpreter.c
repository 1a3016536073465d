// SPDX-License-Identifier: BSD-3-Clause
/* The interpreter: kernel/interpreter.h implemented with a cell compiler in
 * the front process and a worker process that runs the cells.
 *
 * interpreter_execute: magics -> split -> cell_K.c (prelude + cell) -> gcc
 * -> cell_K.so -> "run" to the worker -> pump its stdout/stderr (batched
 * about every 50 ms, never cutting a UTF-8 character) and its frames
 * (display, clear_output, input_request, done) into the sink -> commit the
 * cell's declarations to the state once the worker has loaded it.  A cell
 * that does not compile or link changes nothing. */
#include "interpreter.h"
#include "interpreter_state.h"
#include "files/dir_tree.h"
#include "compiler/cell_commit.h"
#include "compiler/cell_compiler.h"
#include "compiler/cell_source.h"
#include "compiler/cell_splitter.h"
#include "compiler/cell_state.h"
#include "compiler/cell_unload.h"
#include "crash_location.h"
#include "compiler/conditionals.h"
#include "compiler/diagnostics.h"
#include "compiler/help_request.h"
#include "wire/frame.h"
#include "compiler/magics.h"
#include "magic_answers.h"
#include "outcome.h"
#include "compiler/prelude_filter.h"
#include "output_pump.h"
#include "wire/utf8.h"
#include "worker_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct Interpreter {
    char *work_dir;
    CellCompiler *compiler;
    pthread_t prepare_thread, warm_thread;
    bool preparing, warming;
    pthread_mutex_t lock;           /* state, flags */
    CellState state;
    StringList cflags, ldflags;
    WorkerProcess worker;
    atomic_int worker_pid;
    int interrupt_fd;               /* eventfd: interpreter_interrupt wakes the pump */
    int next_cell;
    pthread_mutex_t clang_lock;
    ClangContext *clang;
};

/* ---- life cycle ---- */

static void *prepare(void *arg)
{
    Interpreter *interp = arg;
    cell_compiler_prepare(interp->compiler);
    return NULL;
}

/* libclang's first parse of the headers takes a few hundred ms; do it
 * ahead of the first completion request, at low priority. */
static void *warm_clang(void *arg)
{
    Interpreter *interp = arg;
    /* Linux nices threads one by one: keep out of the way of start-up and
     * of the first cells. */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 15);
    interpreter_clang_warm(interp);
    return NULL;
}

static void wait_prepared(Interpreter *interp)
{
    if (interp->preparing) {
        pthread_join(interp->prepare_thread, NULL);
        interp->preparing = false;
    }
}

static int start_worker(Interpreter *interp)
{
    int rc = worker_process_start(&interp->worker);
    atomic_store(&interp->worker_pid, rc == 0 ? interp->worker.pid : -1);
    return rc;
}

Interpreter *interpreter_new(const char *work_dir)
{
    Interpreter *interp = calloc(1, sizeof *interp);
    if (!interp)
        return NULL;
    pthread_mutex_init(&interp->lock, NULL);
    pthread_mutex_init(&interp->clang_lock, NULL);
    cell_state_init(&interp->state);
    interp->worker = (WorkerProcess){.pid = -1, .channel = -1, .out = -1, .err = -1};
    interp->interrupt_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!work_dir || !(interp->work_dir = strdup(work_dir)) || make_dirs(work_dir, 0700) != 0 ||
        !(interp->compiler = cell_compiler_new(work_dir)) || interp->interrupt_fd < 0) {
        fprintf(stderr, "cnb: cells: cannot set up the work directory %s\n", work_dir ? work_dir : "");
        interpreter_free(interp);
        return NULL;
    }
    /* The precompiled header takes a while: build it while the kernel
     * starts up; the first cell waits for it. */
    interp->preparing = pthread_create(&interp->prepare_thread, NULL, prepare, interp) == 0;
    if (!getenv("CNB_NO_CLANG_WARMUP"))
        interp->warming = pthread_create(&interp->warm_thread, NULL, warm_clang, interp) == 0;
    if (start_worker(interp) != 0) {
        interpreter_free(interp);
        return NULL;
    }
    return interp;
}

void interpreter_free(Interpreter *interp)
{
    if (!interp)
        return;
    wait_prepared(interp);
    if (interp->warming)
        pthread_join(interp->warm_thread, NULL);
    worker_process_stop(&interp->worker);
    if (interp->work_dir)
        remove_tree(interp->work_dir);
    if (interp->clang)
        clang_context_free(interp->clang);
    cell_compiler_free(interp->compiler);
    cell_state_clear(&interp->state);
    string_list_free(&interp->cflags);
    string_list_free(&interp->ldflags);
    if (interp->interrupt_fd >= 0)
        close(interp->interrupt_fd);
    pthread_mutex_destroy(&interp->lock);
    pthread_mutex_destroy(&interp->clang_lock);
    free(interp->work_dir);
    free(interp);
}

void interpreter_interrupt(Interpreter *interp)
{
    if (!interp)
        return;
    pid_t pid = atomic_load(&interp->worker_pid);
    if (pid > 0)
        kill(pid, SIGINT);
    uint64_t one = 1;
    if (write(interp->interrupt_fd, &one, sizeof one) < 0) {
        /* the counter is already set: the pump will see it */
    }
}

static bool take_interrupt(Interpreter *interp)
{
    return eventfd_take(interp->interrupt_fd);
}

void execute_outcome_clear(ExecuteOutcome *outcome)
{
    json_decref(outcome->result_data);
    json_decref(outcome->result_metadata);
    json_decref(outcome->traceback);
    json_decref(outcome->payload);
    free(outcome->ename);
    free(outcome->evalue);
    *outcome = (ExecuteOutcome){0};
}

/* ---- helpers for the state, shared with completion ---- */

char *interpreter_prelude(Interpreter *interp)
{
    pthread_mutex_lock(&interp->lock);
    char *prelude = cell_state_prelude(&interp->state, NULL, true);
    pthread_mutex_unlock(&interp->lock);
    return prelude;
}

bool interpreter_is_type(const char *name, void *context)
{
    Interpreter *interp = context;
    return cell_state_is_type(&interp->state, name);
}

int interpreter_split(Interpreter *interp, const char *code, CellPlan *plan)
{
    pthread_mutex_lock(&interp->lock);
    int rc = cell_split(code, interpreter_is_type, interp, plan);
    pthread_mutex_unlock(&interp->lock);
    return rc;
}

const char *interpreter_include_dir(Interpreter *interp)
{
    return cell_compiler_include_dir(interp->compiler);
}

ClangContext *interpreter_clang(Interpreter *interp)
{
    pthread_mutex_lock(&interp->clang_lock);
    if (!interp->clang)
        interp->clang = clang_context_new(interpreter_include_dir(interp));
    pthread_mutex_unlock(&interp->clang_lock);
    return interp->clang;
}

/* ---- the worker dying ---- */

static char *death_reason(int status)
{
    char *text = NULL;
    int rc;
    /* SIGKILL is what the system's out-of-memory killer sends. */
    if (WIFSIGNALED(status))
        rc = asprintf(&text, "the process running the cells was killed by signal %d (SIG%s)%s",
                      WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
                      WTERMSIG(status) == SIGKILL ? ", by someone or by the system because memory ran "
                                                    "out (did the cell allocate too much?)" : "");
    else if (WIFEXITED(status))
        rc = asprintf(&text, "the process running the cells exited with status %d", WEXITSTATUS(status));
    else
        rc = asprintf(&text, "the process running the cells stopped");
    return rc < 0 ? NULL : text;
}

/* Starts a fresh worker with an empty state. */
static void restart_worker(Interpreter *interp)
{
    worker_process_stop(&interp->worker);
    pthread_mutex_lock(&interp->lock);
    cell_state_clear(&interp->state);
    pthread_mutex_unlock(&interp->lock);
    start_worker(interp);
}

static void report_death(Pump *pump, int status)
{
    char *reason = death_reason(status);
    char *value = NULL;
    if (asprintf(&value, "%s; a fresh one was started, and the variables, functions and types "
                         "of earlier cells are lost (run those cells again)",
                 reason ? reason : "the process running the cells died") < 0)
        value = NULL;
    outcome_set_error(pump->outcome, "WorkerDied", value, NULL);
    free(reason);
    free(value);
}

static int reap_status(Interpreter *interp)
{
    int status = 0;
    if (interp->worker.pid > 0) {
        kill(interp->worker.pid, SIGKILL);
        waitpid(interp->worker.pid, &status, 0);
        interp->worker.pid = -1;
    }
    return status;
}

/* ---- compiling ---- */

typedef struct Compiled {
    int cell;
    char *library;          /* absolute path */
    char *diagnostics;
    bool ok;
    bool unload;            /* statements only: the worker unloads it after the run */
} Compiled;

static int write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return -1;
    FILE *file = fopen(path, "w");
    free(path);
    if (!file)
        return -1;
    fputs(text, file);
    return fclose(file) == 0 ? 0 : -1;
}

/* An unloaded cell's files: nothing refers to them any more. */
static void remove_cell_files(Interpreter *interp, const Compiled *compiled, const char *origin)
{
    char *source = NULL, *input = NULL;
    if (asprintf(&source, "%s/cell_%d.c", interp->work_dir, compiled->cell) >= 0)
        unlink(source);
    if (asprintf(&input, "%s/%s", interp->work_dir, origin) >= 0)
        unlink(input);
    unlink(compiled->library);
    free(source);
    free(input);
}

static bool has_expression(const CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind == ITEM_EXPRESSION)
            return true;
    return false;
}

static int compile_once(Interpreter *interp, CellSourceSpec *spec, const StringList *cflags,
                        const StringList *ldflags, Compiled *out)
{
    char *source = cell_source_generate(spec);
    char *source_name = NULL, *library_name = NULL;
    if (!source || asprintf(&source_name, "cell_%d.c", spec->cell) < 0 ||
        asprintf(&library_name, "cell_%d.so", spec->cell) < 0 ||
        write_file(interp->work_dir, source_name, source) != 0) {
        free(source);
        free(source_name);
        free(library_name);
        return -1;
    }
    free(out->diagnostics);
    out->diagnostics = NULL;
    char *raw = NULL;
    out->ok = cell_compiler_build(interp->compiler, source_name, library_name, cflags->items,
                                  ldflags->items, &raw) == 0;
    out->diagnostics = diagnostics_tidy(raw);
    free(raw);
    free(out->library);
    if (asprintf(&out->library, "%s/%s", interp->work_dir, library_name) < 0)
        out->library = NULL;
    free(source);
    free(source_name);
    free(library_name);
    return out->library ? 0 : -1;
}

/* Compiles the cell against prelude.  Not every value can be shown (a
 * struct, a void call): then the expression runs as a plain statement. */
static int compile_with(Interpreter *interp, CellSourceSpec *spec, const char *prelude,
                        const StringList *cflags, const StringList *ldflags, Compiled *out)
{
    spec->cell = out->cell;
    spec->prelude = prelude;
    spec->show_expression = true;
    int rc = compile_once(interp, spec, cflags, ldflags, out);
    if (rc == 0 && !out->ok && (has_expression(spec->plan) || spec->timeit_count > 0)) {
        Compiled plain = {.cell = ++interp->next_cell};
        spec->cell = plain.cell;
        spec->show_expression = false;
        rc = compile_once(interp, spec, cflags, ldflags, &plain);
        /* If neither compiles, the first diagnostics are the clearer ones. */
        if (rc == 0 && plain.ok) {
            free(out->library);
            free(out->diagnostics);
            *out = plain;
        } else {
            free(plain.library);
            free(plain.diagnostics);
        }
    }
    return rc;
}

/* The prelude of only what the cell names (prelude_filter.h), or NULL.
 * Called with the state locked. */
static char *needed_prelude(Interpreter *interp, CellSourceSpec *spec, const bool *hidden)
{
    spec->prelude = "";
    spec->show_expression = true;
    char *text = cell_source_generate(spec);
    bool *skip = text ? malloc((interp->state.count + 1) * sizeof *skip) : NULL;
    char *prelude = NULL;
    if (skip) {
        memcpy(skip, hidden, interp->state.count * sizeof *skip);
        if (prelude_filter(&interp->state, text, skip) == 0)
            prelude = cell_state_prelude(&interp->state, skip, false);
    }
    free(skip);
    free(text);
    return prelude;
}

static int compile_cell(Interpreter *interp, const CellPlan *plan, const CellMagics *magics,
                        const char *origin, const bool *hidden, const Rebinds *rebinds,
                        const StringList *cflags, const StringList *ldflags, Compiled *out)
{
    CellSourceSpec spec = {
        .cell = out->cell, .origin = origin, .plan = plan,
        .header = cell_compiler_header(interp->compiler),
        .timeits = magics->timeits, .timeit_count = magics->timeit_count, .rebinds = rebinds,
    };
    pthread_mutex_lock(&interp->lock);
    char *needed = needed_prelude(interp, &spec, hidden);
    pthread_mutex_unlock(&interp->lock);
    bool filtered = needed != NULL;
    int rc = filtered ? compile_with(interp, &spec, needed, cflags, ldflags, out) : 0;
    free(needed);
    if (rc != 0 || (filtered && out->ok))
        return rc;
    /* Failed (or no filtered prelude): once more with every earlier
     * declaration, for a name a macro pasted together, and so that gcc's
     * "did you mean" hints choose from all names. */
    pthread_mutex_lock(&interp->lock);
    char *full = cell_state_prelude(&interp->state, hidden, false);
    pthread_mutex_unlock(&interp->lock);
    rc = full ? compile_with(interp, &spec, full, cflags, ldflags, out) : -1;
    free(full);
    return rc;
}

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

/* ---- execute ---- */

static void finish_done(Pump *pump, Compiled *compiled)
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
        char *where = crash_location(library, (long)json_integer_value(json_object_get(done, "offset")));
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
    (void)compiled;
}

/* The line that says what went wrong: gcc's first error, else the
 * linker's complaint (collect2's summary says nothing). */
static char *first_error(const char *diagnostics)
{
    const char *found = NULL;
    size_t skip = 0;
    for (const char *line = diagnostics; line && *line && !found;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *error = memmem(line, n, "error: ", 7);
        if (error && !memmem(line, n, "collect2", 8) && !memmem(line, n, "ld returned", 11)) {
            found = error;
            skip = 7;
        } else if (memmem(line, n, "ld: ", 4) || memmem(line, n, "undefined reference", 19)) {
            found = line;
        }
        line = end ? end + 1 : NULL;
    }
    if (!found)
        return NULL;
    const char *end = strchr(found, '\n');
    return strndup(found + skip, end ? (size_t)(end - found) - skip : strlen(found + skip));
}

static void compile_error(ExecuteOutcome *outcome, const char *diagnostics, const char *origin)
{
    char *evalue = diagnostics ? first_error(diagnostics) : NULL;
    if (!evalue && asprintf(&evalue, "%s did not compile", origin) < 0)
        evalue = NULL;
    outcome_set_error(outcome, "CompileError", evalue, text_lines(diagnostics));
    free(evalue);
}

static bool ensure_worker(Interpreter *interp, const ExecuteSink *sink)
{
    if (interp->worker.pid > 0 && worker_process_reap(&interp->worker) < 0)
        return true;
    sink_text(sink, "stderr", "The process running the cells had died; a fresh one was started, "
                                "and the state of earlier cells is lost.\n");
    restart_worker(interp);
    return interp->worker.pid > 0;
}

static int run_compiled(Interpreter *interp, Compiled *compiled, const Rebinds *rebinds, Pump *pump)
{
    char *function = cell_function_name(compiled->cell);
    json_t *run = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b}", "op", "run", "library", compiled->library,
                            "function", function ? function : "", "rebind",
                            late_binding_request(rebinds, compiled->cell), "replaced",
                            late_binding_replaced(rebinds), "unload", compiled->unload);
    free(function);
    bool alive = run && frame_send(interp->worker.channel, run) == 0;
    json_decref(run);
    if (alive)
        alive = pump_cell(pump);
    if (!alive) {
        drain_all(pump);
        flush_streams(pump, true);
        report_death(pump, reap_status(interp));
        restart_worker(interp);
        return 0;
    }
    return 1;
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

/* origin names the cell in diagnostics and tracebacks ("In[3]"); gcc
 * quotes the cell's lines from a file of that name in the work directory. */
static int execute_cell(Interpreter *interp, const char *code, const char *origin, bool silent,
                        bool allow_stdin, const ExecuteSink *sink, ExecuteOutcome *outcome)
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
    if (magics.error) {
        outcome_set_error(outcome, "UsageError", magics.error, NULL);
        magics_free(&magics);
        return 0;
    }
    if (magics.reset) {
        /* Like a kernel restart, but keeping the connection and the counter. */
        restart_worker(interp);
        pthread_mutex_lock(&interp->lock);
        string_list_free(&interp->cflags);
        string_list_free(&interp->ldflags);
        pthread_mutex_unlock(&interp->lock);
        sink_text(sink, "stderr", "All variables, functions, types, includes and flags of "
                                    "earlier cells are forgotten.\n");
    }
    if (magics.who)
        show_who(interp, sink);
    if (magics.show_flags)
        show_flags(interp, sink);
    if (conditionals_present(magics.code)) {
        wait_prepared(interp);
        resolve_conditionals(interp, &magics);
    }
    CellPlan plan;
    int rc = interpreter_split(interp, magics.code, &plan);
    if (rc != 0) {
        magics_free(&magics);
        return -1;
    }
    if (plan.count == 0 && magics.timeit_count == 0 && magics.cflags.count == 0 &&
        magics.ldflags.count == 0) {
        cell_plan_free(&plan);
        magics_free(&magics);
        return 0;
    }
    wait_prepared(interp);
    write_file(interp->work_dir, origin, magics.code);  /* gcc quotes the lines from it */

    KeySet declared = {0};
    pthread_mutex_lock(&interp->lock);
    cell_mark_unchanged(&interp->state, &plan);
    cell_declared_keys(&plan, &declared);
    bool *hidden = calloc(interp->state.count + 1, sizeof *hidden);
    if (hidden)
        cell_state_hidden(&interp->state, &declared, hidden);
    Rebinds rebinds;
    if (late_binding_plan(&interp->state, &plan, &declared, &rebinds) != 0) {
        free(hidden);
        hidden = NULL;
    }
    StringList cflags = {0}, ldflags = {0};
    string_list_extend(&cflags, &interp->cflags);
    string_list_extend(&cflags, &magics.cflags);
    string_list_extend(&ldflags, &interp->ldflags);
    string_list_extend(&ldflags, &magics.ldflags);
    pthread_mutex_unlock(&interp->lock);

    Compiled compiled = {.cell = ++interp->next_cell,
                         .unload = magics.timeit_count == 0 && cell_can_unload(&plan, magics.code)};
    rc = hidden ? compile_cell(interp, &plan, &magics, origin, hidden, &rebinds, &cflags, &ldflags, &compiled) : -1;
    free(hidden);
    string_list_free(&cflags);
    string_list_free(&ldflags);
    if (rc == 0 && !compiled.ok) {
        compile_error(outcome, compiled.diagnostics, origin);
    } else if (rc == 0) {
        /* Warnings of a cell that compiled are worth seeing. */
        sink_text(sink, "stderr", compiled.diagnostics);
        if (take_interrupt(interp)) {
            outcome_set_error(outcome, "KeyboardInterrupt", "interrupted before the cell ran", NULL);
        } else {
            Pump pump = {.worker = &interp->worker, .interrupt_fd = interp->interrupt_fd, .sink = sink, .silent = silent, .allow_stdin = allow_stdin,
                         .out = {.name = "stdout"}, .err = {.name = "stderr"}, .outcome = outcome};
            if (run_compiled(interp, &compiled, &rebinds, &pump) == 1) {
                late_binding_confirm(&rebinds, pump.done);
                note_new_types(interp, &rebinds, pump.done, sink);
                if (json_is_true(json_object_get(pump.done, "loaded")))
                    commit(interp, &plan, compiled.cell, origin, &declared, &rebinds, &magics, sink);
                finish_done(&pump, &compiled);
                if (compiled.unload)
                    remove_cell_files(interp, &compiled, origin);
            }
            json_decref(pump.done);
            free(pump.out.data);
            free(pump.err.data);
        }
    }
    free(compiled.library);
    free(compiled.diagnostics);
    late_binding_free(&rebinds);
    key_set_free(&declared);
    cell_plan_free(&plan);
    magics_free(&magics);
    return rc == 0 ? 0 : -1;
}

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
    int rc = execute_cell(interp, rest, origin, silent, allow_stdin, sink, outcome);
    if (rc == 0 && outcome->status == EXECUTE_OK)
        answer_help(interp, &help, sink, outcome);
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
    return execute_cell(interp, expression, "<expression>", false, false, sink, outcome);
}
