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
#include "cell_compiler.h"
#include "cell_source.h"
#include "cell_splitter.h"
#include "cell_state.h"
#include "crash_location.h"
#include "diagnostics.h"
#include "frame.h"
#include "magics.h"
#include "utf8.h"
#include "worker_process.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

#define BATCH_SECONDS 0.05
#define BATCH_BYTES (64 * 1024)
#define INTERRUPT_GRACE_SECONDS 0.3
#define INTERRUPT_REPEAT_SECONDS 0.5

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

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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

static int make_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(copy, 0700);
            *p = '/';
        }
    int rc = mkdir(copy, 0700) == 0 || errno == EEXIST ? 0 : -1;
    free(copy);
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
    if (!work_dir || !(interp->work_dir = strdup(work_dir)) || make_dirs(work_dir) != 0 ||
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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
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
        nftw(interp->work_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
    uint64_t count;
    return read(interp->interrupt_fd, &count, sizeof count) == (ssize_t)sizeof count;
}

void execute_outcome_clear(ExecuteOutcome *outcome)
{
    json_decref(outcome->result_data);
    json_decref(outcome->result_metadata);
    json_decref(outcome->traceback);
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

/* ---- outcomes ---- */

static void set_error(ExecuteOutcome *outcome, const char *ename, const char *evalue, json_t *traceback)
{
    outcome->status = EXECUTE_ERROR;
    free(outcome->ename);
    free(outcome->evalue);
    outcome->ename = strdup(ename);
    outcome->evalue = strdup(evalue ? evalue : "");
    json_decref(outcome->traceback);
    outcome->traceback = traceback ? traceback : json_array();
    char *first = NULL;
    if (asprintf(&first, "%s: %s", ename, outcome->evalue) >= 0)
        json_array_insert_new(outcome->traceback, 0, json_string(first));
    free(first);
}

static json_t *lines_of(const char *text)
{
    json_t *lines = json_array();
    if (!text)
        return lines;
    size_t size;
    char *clean = utf8_sanitize(text, strlen(text), &size);
    for (char *line = clean, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = line + strlen(line);
        json_array_append_new(lines, json_string(line));
    }
    free(clean);
    return lines;
}

static void stream_text(const ExecuteSink *sink, const char *name, const char *text)
{
    if (sink && sink->stream && text && *text)
        sink->stream(sink->context, name, text, strlen(text));
}

/* ---- the output pump ---- */

typedef struct Pending {
    const char *name;
    char *data;
    size_t size, capacity;
} Pending;

typedef struct Pump {
    Interpreter *interp;
    const ExecuteSink *sink;
    bool silent, allow_stdin;
    Pending out, err;
    double first_at;            /* when the oldest unsent byte arrived, or 0 */
    double interrupt_at;        /* when the user interrupted, or 0 */
    double force_at;            /* when to force the cell out next */
    json_t *done;               /* the worker's "done" message */
    ExecuteOutcome *outcome;
} Pump;

static void pending_append(Pending *p, const char *data, size_t size)
{
    if (p->size + size > p->capacity) {
        size_t capacity = (p->size + size) * 2 + 4096;
        char *bigger = realloc(p->data, capacity);
        if (!bigger)
            return;
        p->data = bigger;
        p->capacity = capacity;
    }
    memcpy(p->data + p->size, data, size);
    p->size += size;
}

/* Reads what the pipe has now; false at end of file. */
static bool drain(Pump *pump, int fd, Pending *p)
{
    char buffer[16384];
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n > 0) {
            if (pump->first_at == 0)
                pump->first_at = now();
            pending_append(p, buffer, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n != 0;
    }
}

static void flush_one(Pump *pump, Pending *p, bool all)
{
    size_t n = all ? p->size : utf8_complete_prefix(p->data, p->size);
    if (n == 0)
        return;
    size_t clean_size;
    char *clean = utf8_sanitize(p->data, n, &clean_size);
    if (clean && clean_size > 0 && pump->sink && pump->sink->stream)
        pump->sink->stream(pump->sink->context, p->name, clean, clean_size);
    free(clean);
    memmove(p->data, p->data + n, p->size - n);
    p->size -= n;
}

static void flush_streams(Pump *pump, bool all)
{
    flush_one(pump, &pump->out, all);
    flush_one(pump, &pump->err, all);
    pump->first_at = pump->out.size || pump->err.size ? now() : 0;
}

static void drain_all(Pump *pump)
{
    drain(pump, pump->interp->worker.out, &pump->out);
    drain(pump, pump->interp->worker.err, &pump->err);
}

static void on_display(Pump *pump, json_t *message)
{
    const char *kind = json_string_value(json_object_get(message, "kind"));
    json_t *data = json_object_get(message, "data");
    json_t *metadata = json_object_get(message, "metadata");
    if (kind && strcmp(kind, "result") == 0) {
        if (pump->silent)
            return;
        json_decref(pump->outcome->result_data);
        json_decref(pump->outcome->result_metadata);
        pump->outcome->result_data = json_incref(data);
        pump->outcome->result_metadata = json_incref(metadata);
        return;
    }
    if (pump->sink && pump->sink->display)
        pump->sink->display(pump->sink->context, data, metadata,
                            json_string_value(json_object_get(message, "display_id")),
                            kind && strcmp(kind, "update") == 0);
}

static void on_input_request(Pump *pump, json_t *message)
{
    json_t *reply;
    if (!pump->allow_stdin || !pump->sink || !pump->sink->input) {
        reply = json_pack("{s:s, s:n, s:s}", "op", "input_reply", "value", "reason",
                          "reading stdin is not possible here: the frontend does not accept input "
                          "(allow_stdin is false), so input functions see end of file");
    } else {
        const char *prompt = json_string_value(json_object_get(message, "prompt"));
        bool password = json_is_true(json_object_get(message, "password"));
        char *line = pump->sink->input(pump->sink->context, prompt ? prompt : "", password);
        if (line)
            reply = json_pack("{s:s, s:s}", "op", "input_reply", "value", line);
        else
            reply = json_pack("{s:s, s:n, s:s}", "op", "input_reply", "value", "reason",
                              "input was cancelled; the cell sees end of file");
        free(line);
    }
    frame_send_new(pump->interp->worker.channel, reply);
}

/* Handles one frame; returns false when the cell is over. */
static bool on_frame(Pump *pump, json_t *message)
{
    /* Everything printed before the frame was sent is in the pipes now. */
    drain_all(pump);
    flush_streams(pump, false);
    const char *op = json_string_value(json_object_get(message, "op"));
    if (!op)
        return true;
    if (strcmp(op, "display") == 0) {
        on_display(pump, message);
    } else if (strcmp(op, "clear_output") == 0) {
        if (pump->sink && pump->sink->clear_output)
            pump->sink->clear_output(pump->sink->context, json_is_true(json_object_get(message, "wait")));
    } else if (strcmp(op, "input_request") == 0) {
        flush_streams(pump, true);
        on_input_request(pump, message);
    } else if (strcmp(op, "done") == 0) {
        pump->done = json_incref(message);
        return false;
    }
    return true;
}

static int poll_timeout(const Pump *pump)
{
    double t = now(), wait = -1;
    if (pump->first_at > 0)
        wait = pump->first_at + BATCH_SECONDS - t;
    if (pump->force_at > 0 && (wait < 0 || pump->force_at - t < wait))
        wait = pump->force_at - t;
    if (wait < 0 && (pump->first_at > 0 || pump->force_at > 0))
        return 0;
    return wait < 0 ? -1 : (int)(wait * 1000) + 1;
}

/* Runs the loaded cell to its end; false if the worker died. */
static bool pump_cell(Pump *pump)
{
    WorkerProcess *worker = &pump->interp->worker;
    bool out_open = true, err_open = true;
    for (;;) {
        struct pollfd fds[4] = {
            {worker->channel, POLLIN, 0}, {out_open ? worker->out : -1, POLLIN, 0},
            {err_open ? worker->err : -1, POLLIN, 0}, {pump->interp->interrupt_fd, POLLIN, 0},
        };
        int n = poll(fds, 4, poll_timeout(pump));
        if (n < 0 && errno != EINTR)
            return false;
        if (fds[1].revents)
            out_open = drain(pump, worker->out, &pump->out);
        if (fds[2].revents)
            err_open = drain(pump, worker->err, &pump->err);
        if (fds[3].revents && take_interrupt(pump->interp) && pump->interrupt_at == 0) {
            pump->interrupt_at = now();
            pump->force_at = pump->interrupt_at + INTERRUPT_GRACE_SECONDS;
        }
        if (pump->force_at > 0 && now() >= pump->force_at) {
            /* The cell did not stop by itself: unwind it (worker_signals.c). */
            kill(worker->pid, SIGUSR1);
            pump->force_at = now() + INTERRUPT_REPEAT_SECONDS;
        }
        if (fds[0].revents) {
            json_t *message = frame_receive(worker->channel);
            if (!message)
                return false;
            bool more = on_frame(pump, message);
            json_decref(message);
            if (!more) {
                flush_streams(pump, true);
                return true;
            }
        }
        if (pump->first_at > 0 &&
            (now() - pump->first_at >= BATCH_SECONDS || pump->out.size + pump->err.size >= BATCH_BYTES))
            flush_streams(pump, false);
    }
}

/* ---- the worker dying ---- */

static char *death_reason(int status)
{
    char *text = NULL;
    int rc;
    if (WIFSIGNALED(status))
        rc = asprintf(&text, "the process running the cells was killed by signal %d (SIG%s)",
                      WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
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
    set_error(pump->outcome, "WorkerDied", value, NULL);
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

static void declared_keys(const CellPlan *plan, KeySet *keys)
{
    for (size_t i = 0; i < plan->count; i++) {
        const CellItem *item = &plan->items[i];
        if (item->kind == ITEM_VARIABLE || item->kind == ITEM_FUNCTION || item->kind == ITEM_EXTERN)
            key_set_add(keys, item->name);
        for (size_t k = 0; k < item->key_count; k++)
            key_set_add(keys, item->keys[k]);
    }
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

static int compile_cell(Interpreter *interp, const CellPlan *plan, const CellMagics *magics,
                        const char *origin, const bool *hidden, const StringList *cflags,
                        const StringList *ldflags, Compiled *out)
{
    pthread_mutex_lock(&interp->lock);
    char *prelude = cell_state_prelude(&interp->state, hidden, false);
    pthread_mutex_unlock(&interp->lock);
    if (!prelude)
        return -1;
    CellSourceSpec spec = {
        .cell = out->cell, .origin = origin, .plan = plan, .prelude = prelude,
        .header = cell_compiler_header(interp->compiler), .show_expression = true,
        .timeits = magics->timeits, .timeit_count = magics->timeit_count,
    };
    int rc = compile_once(interp, &spec, cflags, ldflags, out);
    if (rc == 0 && !out->ok && has_expression(plan)) {
        /* Not every value can be shown (a struct, a void call): run the
         * expression as a plain statement instead. */
        Compiled plain = {.cell = ++interp->next_cell};
        spec.cell = plain.cell;
        spec.show_expression = false;
        rc = compile_once(interp, &spec, cflags, ldflags, &plain);
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
    free(prelude);
    return rc;
}

/* ---- committing a loaded cell to the state ---- */

static char *join3(const char *a, const char *b, const char *c)
{
    char *text = NULL;
    return asprintf(&text, "%s%s%s", a, b, c) < 0 ? NULL : text;
}

/* "Model *m" -> "Model *": the type as %who shows it. */
static char *type_of(const CellItem *item)
{
    char *declarator = strdup(item->declarator);
    if (!declarator)
        return NULL;
    size_t n = strlen(item->name);
    for (char *p = declarator; (p = strstr(p, item->name)); p++) {
        bool start = p == declarator || !(p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
                                          ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z'));
        char after = p[n];
        bool end = !(after == '_' || (after >= '0' && after <= '9') || ((after | 32) >= 'a' && (after | 32) <= 'z'));
        if (start && end) {
            memmove(p, p + n, strlen(p + n) + 1);
            break;
        }
    }
    char *type = join3(item->specifiers, " ", declarator);
    free(declarator);
    for (size_t n = type ? strlen(type) : 0; n > 0 && type[n - 1] == ' '; n--)
        type[n - 1] = '\0';
    return type;
}

static int commit_item(CellState *state, const CellItem *item, int cell, const char *origin)
{
    StateEntry entry = {.line = item->line};
    char *symbol = item->name ? cell_symbol(cell, item->name) : NULL;
    switch (item->kind) {
    case ITEM_INCLUDE: {
        char *key = join3("#include ", item->text, "");
        bool known = key && cell_state_find(state, ENTRY_INCLUDE, key);
        if (!key || known) {
            free(key);
            free(symbol);
            return key ? 0 : -1;
        }
        entry.kind = ENTRY_INCLUDE;
        entry.text = strdup(item->text);
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys)
            entry.keys[entry.key_count++] = key;
        break;
    }
    case ITEM_DEFINE: {
        char *key = join3("#define ", item->name ? item->name : "", "");
        StateEntry *old = key ? cell_state_find(state, ENTRY_DEFINE, key) : NULL;
        if (old) {
            /* In place: declarations after it may use the macro. */
            free(old->text);
            free(old->origin);
            old->text = strdup(item->text);
            old->origin = strdup(origin);
            old->line = item->line;
            free(key);
            free(symbol);
            return 0;
        }
        entry.kind = ENTRY_DEFINE;
        entry.text = strdup(item->text);
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys && key)
            entry.keys[entry.key_count++] = key;
        break;
    }
    case ITEM_TYPE:
        entry.kind = ENTRY_TYPE;
        entry.text = strdup(item->text);
        entry.keys = calloc(item->key_count + 1, sizeof *entry.keys);
        for (size_t k = 0; entry.keys && k < item->key_count; k++)
            entry.keys[entry.key_count++] = strdup(item->keys[k]);
        break;
    case ITEM_VARIABLE:
    case ITEM_FUNCTION:
    case ITEM_PROTOTYPE:
    case ITEM_EXTERN:
        if (item->kind == ITEM_PROTOTYPE && cell_state_find(state, ENTRY_FUNCTION, item->name)) {
            free(symbol);
            return 0;       /* declares a function we already know */
        }
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys)
            entry.keys[entry.key_count++] = strdup(item->name);
        if (item->kind == ITEM_VARIABLE) {
            entry.kind = ENTRY_VARIABLE;
            if (asprintf(&entry.text, "extern %s %s __asm__(\"%s\");", item->specifiers,
                         item->extern_declarator, symbol) < 0)
                entry.text = NULL;
            entry.type = type_of(item);
        } else if (item->kind == ITEM_FUNCTION) {
            entry.kind = ENTRY_FUNCTION;
            if (asprintf(&entry.text, "%s %s __asm__(\"%s\");", item->specifiers, item->declarator,
                         symbol) < 0)
                entry.text = NULL;
        } else {
            entry.kind = item->kind == ITEM_EXTERN ? ENTRY_EXTERN : ENTRY_PROTOTYPE;
            entry.text = strdup(item->text);
        }
        break;
    default:
        free(symbol);
        return 0;
    }
    free(symbol);
    entry.origin = strdup(origin);
    entry.comment = item->comment ? strdup(item->comment) : NULL;
    if (!entry.text || !entry.origin || !entry.keys) {
        state_entry_free(&entry);
        return -1;
    }
    return cell_state_add(state, &entry);
}

static bool prototype_of_own_function(const CellPlan *plan, const CellItem *item)
{
    if (item->kind != ITEM_PROTOTYPE)
        return false;
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind == ITEM_FUNCTION && strcmp(plan->items[i].name, item->name) == 0)
            return true;
    return false;
}

static void commit(Interpreter *interp, const CellPlan *plan, int cell, const char *origin,
                   const KeySet *declared, const CellMagics *magics, const ExecuteSink *sink)
{
    char *dropped = NULL;
    pthread_mutex_lock(&interp->lock);
    bool *hidden = calloc(interp->state.count + 1, sizeof *hidden);
    if (hidden) {
        cell_state_hidden(&interp->state, declared, hidden);
        cell_state_remove(&interp->state, hidden, declared, &dropped);
    }
    free(hidden);
    for (size_t i = 0; i < plan->count; i++)
        if (!prototype_of_own_function(plan, &plan->items[i]))
            commit_item(&interp->state, &plan->items[i], cell, origin);
    string_list_extend(&interp->cflags, &magics->cflags);
    string_list_extend(&interp->ldflags, &magics->ldflags);
    pthread_mutex_unlock(&interp->lock);
    if (dropped) {
        char *note = NULL;
        if (asprintf(&note, "note: %s used a type this cell redefined and %s no longer visible; "
                            "run the cells that declare them again\n",
                     dropped, strchr(dropped, ',') ? "are" : "is") >= 0)
            stream_text(sink, "stderr", note);
        free(note);
    }
    free(dropped);
}

/* ---- magics that answer at once ---- */

static void show_who(Interpreter *interp, const ExecuteSink *sink)
{
    pthread_mutex_lock(&interp->lock);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    size_t shown = 0;
    for (size_t i = 0; out && i < interp->state.count; i++) {
        const StateEntry *entry = &interp->state.entries[i];
        if (entry->kind != ENTRY_VARIABLE)
            continue;
        if (shown++ == 0)
            fprintf(out, "%-20s %s\n%-20s %s\n", "Variable", "Type", "--------", "----");
        fprintf(out, "%-20s %s\n", entry->keys[0], entry->type ? entry->type : "?");
    }
    if (out && shown == 0)
        fprintf(out, "Interactive namespace is empty.\n");
    if (out)
        fclose(out);
    pthread_mutex_unlock(&interp->lock);
    stream_text(sink, "stdout", text);
    free(text);
}

static void show_flags(Interpreter *interp, const ExecuteSink *sink)
{
    pthread_mutex_lock(&interp->lock);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out) {
        fprintf(out, "cflags:");
        for (size_t i = 0; i < interp->cflags.count; i++)
            fprintf(out, " %s", interp->cflags.items[i]);
        fprintf(out, "\nldflags:");
        for (size_t i = 0; i < interp->ldflags.count; i++)
            fprintf(out, " %s", interp->ldflags.items[i]);
        fprintf(out, "\n");
        fclose(out);
    }
    pthread_mutex_unlock(&interp->lock);
    stream_text(sink, "stdout", text);
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
        if (where) {
            char *line = join3("  ", where, "");
            json_array_append_new(traceback, json_string(line ? line : where));
            free(line);
        }
        free(where);
    }
    if (ename && strcmp(ename, "LinkError") != 0 && strcmp(ename, "KeyboardInterrupt") != 0)
        json_array_append_new(traceback, json_string("The kernel caught this and keeps running; "
                                                     "variables from earlier cells are still there."));
    set_error(pump->outcome, ename ? ename : "Error", evalue, traceback);
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
    set_error(outcome, "CompileError", evalue, lines_of(diagnostics));
    free(evalue);
}

static bool ensure_worker(Interpreter *interp, const ExecuteSink *sink)
{
    if (interp->worker.pid > 0 && worker_process_reap(&interp->worker) < 0)
        return true;
    stream_text(sink, "stderr", "The process running the cells had died; a fresh one was started, "
                                "and the state of earlier cells is lost.\n");
    restart_worker(interp);
    return interp->worker.pid > 0;
}

static int run_compiled(Interpreter *interp, Compiled *compiled, Pump *pump)
{
    char *function = cell_function_name(compiled->cell);
    json_t *run = json_pack("{s:s, s:s, s:s}", "op", "run", "library", compiled->library,
                            "function", function ? function : "");
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

int interpreter_execute(Interpreter *interp, const char *code, int execution_count, bool silent,
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
        set_error(outcome, "UsageError", magics.error, NULL);
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
        stream_text(sink, "stderr", "All variables, functions, types, includes and flags of "
                                    "earlier cells are forgotten.\n");
    }
    if (magics.who)
        show_who(interp, sink);
    if (magics.show_flags)
        show_flags(interp, sink);
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
    char origin[32];
    snprintf(origin, sizeof origin, "In[%d]", execution_count);
    write_file(interp->work_dir, origin, magics.code);  /* gcc quotes the lines from it */

    KeySet declared = {0};
    declared_keys(&plan, &declared);
    pthread_mutex_lock(&interp->lock);
    bool *hidden = calloc(interp->state.count + 1, sizeof *hidden);
    if (hidden)
        cell_state_hidden(&interp->state, &declared, hidden);
    StringList cflags = {0}, ldflags = {0};
    string_list_extend(&cflags, &interp->cflags);
    string_list_extend(&cflags, &magics.cflags);
    string_list_extend(&ldflags, &interp->ldflags);
    string_list_extend(&ldflags, &magics.ldflags);
    pthread_mutex_unlock(&interp->lock);

    Compiled compiled = {.cell = ++interp->next_cell};
    rc = hidden ? compile_cell(interp, &plan, &magics, origin, hidden, &cflags, &ldflags, &compiled) : -1;
    free(hidden);
    string_list_free(&cflags);
    string_list_free(&ldflags);
    if (rc == 0 && !compiled.ok) {
        compile_error(outcome, compiled.diagnostics, origin);
    } else if (rc == 0) {
        /* Warnings of a cell that compiled are worth seeing. */
        stream_text(sink, "stderr", compiled.diagnostics);
        if (take_interrupt(interp)) {
            set_error(outcome, "KeyboardInterrupt", "interrupted before the cell ran", NULL);
        } else {
            Pump pump = {.interp = interp, .sink = sink, .silent = silent, .allow_stdin = allow_stdin,
                         .out = {.name = "stdout"}, .err = {.name = "stderr"}, .outcome = outcome};
            if (run_compiled(interp, &compiled, &pump) == 1) {
                if (json_is_true(json_object_get(pump.done, "loaded")))
                    commit(interp, &plan, compiled.cell, origin, &declared, &magics, sink);
                finish_done(&pump, &compiled);
            }
            json_decref(pump.done);
            free(pump.out.data);
            free(pump.err.data);
        }
    }
    free(compiled.library);
    free(compiled.diagnostics);
    key_set_free(&declared);
    cell_plan_free(&plan);
    magics_free(&magics);
    return rc == 0 ? 0 : -1;
}
