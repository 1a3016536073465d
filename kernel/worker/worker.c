// SPDX-License-Identifier: BSD-3-Clause
/* The worker process: `cnb-kernel --worker`.  It holds all cell state.  The
 * interpreter (in the front process) compiles each cell to a shared
 * library and sends {"op": "run", "library", "function"} on fd 3; the
 * worker dlopens it with RTLD_GLOBAL (so later cells resolve its symbols),
 * runs the cell function under worker_run_protected and answers "done".
 * stdout and stderr are pipes the interpreter streams to the frontend. */
#include "worker_main.h"
#include "wire/frame.h"
#include "worker.h"
#include "worker_rebind.h"
#include "worker_flusher.h"
#include "heap_check.h"
#include "worker_snapshot.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static json_t *load_error(const char *what)
{
    return json_pack("{s:s, s:b, s:s, s:s, s:s}", "op", "done", "loaded", 0, "status", "error",
                     "ename", "LinkError", "evalue", what ? what : "cannot load the cell");
}

/* Splits "a b c" into list (pointers into symbols); returns the count. */
static size_t split_symbols(char *symbols, const char **list, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *s = symbols ? strtok_r(symbols, " ", &save) : NULL; s && n < max; s = strtok_r(NULL, " ", &save))
        list[n++] = s;
    return n;
}

/* users[name] = the cells whose code still refers to the symbols in from. */
static void add_users(json_t *users, const char *name, const char *from)
{
    char *symbols = strdup(from);
    const char *list[256];
    int cells[256];
    size_t n = worker_referring_cells(list, split_symbols(symbols, list, 256), cells, 256);
    json_t *numbers = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(numbers, json_integer(cells[i]));
    if (n > 0)
        json_object_set(users, name, numbers);
    json_decref(numbers);
    free(symbols);
}

/* One function defined again: rebound when the cell's check says it kept
 * its type (listed in "rebound"), else listed in "kept" with the cells
 * that still call the old one in "users". */
static void rebind_one(void *handle, const json_t *rebind, json_t *rebound, json_t *kept, json_t *users)
{
    const char *name = json_string_value(json_object_get(rebind, "name"));
    const char *from = json_string_value(json_object_get(rebind, "from"));
    const int *same = dlsym(handle, json_string_value(json_object_get(rebind, "check")) ?: "");
    void *target = dlsym(handle, json_string_value(json_object_get(rebind, "to")) ?: "");
    if (!name || !from || !same || !target)
        return;
    if (!*same) {
        json_array_append_new(kept, json_string(name));
        add_users(users, name, from);
        return;
    }
    char *symbols = strdup(from);
    const char *list[256];
    size_t n = split_symbols(symbols, list, 256);
    if (symbols && worker_rebind(list, n, target) >= 0)
        json_array_append_new(rebound, json_string(name));
    free(symbols);
}

/* A cell of statements only leaves nothing behind (compiler/cell_unload.h). */
static void unload_cell(void *handle, void (*cell)(void))
{
    worker_rebind_untrack(handle);
    worker_forget_cell_code((void *)cell);
    dlclose(handle);
}

static json_t *run_cell(const char *library, const char *function, const json_t *rebinds,
                        const json_t *replaced, bool unload)
{
    void *handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!handle)
        return load_error(dlerror());
    void (*cell)(void) = (void (*)(void))dlsym(handle, function);
    if (!cell)
        return load_error(dlerror());
    worker_rebind_track(handle);
    json_t *rebound = json_array(), *kept = json_array(), *users = json_object();
    size_t i;
    const json_t *item;
    json_array_foreach(rebinds, i, item)
        rebind_one(handle, item, rebound, kept, users);
    /* Variables declared again with another type: new objects. */
    json_array_foreach(replaced, i, item) {
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *from = json_string_value(json_object_get(item, "from"));
        if (name && from)
            add_users(users, name, from);
    }
    worker_note_cell_code(handle, (void *)cell);
    worker_stdin_reset();
    worker_errors_reset();
    CellEnd end = worker_run_protected(cell);
    fflush(stdout);
    fflush(stderr);
    /* Before anything allocates: a heap the cell damaged is blamed on this
     * cell, not on the next one that happens to malloc. */
    char why[200];
    if (heap_check(why, sizeof why) == HEAP_CHECK_DAMAGED)
        worker_heap_damaged(why);
    if (end == CELL_FAULT && worker_fault_in_allocator())
        worker_heap_damaged("free() or malloc() found the heap damaged and aborted (a block "
                            "freed twice does this too)");
    json_t *done = json_pack("{s:s, s:b, s:s}", "op", "done", "loaded", 1, "status",
                             end == CELL_OK ? "ok" : "error");
    if (done) {
        worker_describe_end(end, done);
        json_object_set(done, "rebound", rebound);
        json_object_set(done, "kept", kept);
        json_object_set(done, "users", users);
    }
    json_decref(rebound);
    json_decref(kept);
    json_decref(users);
    if (unload)
        unload_cell(handle, cell);
    return done;
}

/* The front runs with umask 077 for its own files; a cell's files get the
 * user's umask, which the front passed on (front/private_files.h). */
static void restore_user_umask(void)
{
    const char *text = getenv("CNB_USER_UMASK");
    char *end;
    long mask = text ? strtol(text, &end, 8) : -1;
    if (text && *text && !*end && mask >= 0 && mask <= 0777)
        umask((mode_t)mask);
}

/* After a cell the worker ran (loaded): a fresh snapshot when the
 * interpreter wants one, else none (see worker_snapshot.h).  The reply
 * says which ("snapshot": its pid, or -1 with "snapshot_skipped": why).
 * Returns true in the snapshot that has taken over. */
static bool after_cell(const json_t *message, json_t *reply)
{
    if (!reply || !json_is_true(json_object_get(reply, "loaded")))
        return false;   /* nothing changed: the snapshot still holds */
    const char *impossible = worker_snapshot_impossible();
    if (!json_is_true(json_object_get(message, "snapshot")) || impossible) {
        worker_snapshot_drop();
        json_object_set_new(reply, "snapshot", json_integer(-1));
        if (impossible && json_is_true(json_object_get(message, "snapshot")))
            json_object_set_new(reply, "snapshot_skipped", json_string(impossible));
        return false;
    }
    pid_t pid = worker_snapshot_take();
    if (pid == 0)
        return true;
    json_object_set_new(reply, "snapshot", json_integer(pid));
    return false;
}

static int send_ready(bool restored, pid_t snapshot)
{
    return frame_send_new(WORKER_CHANNEL_FD, json_pack("{s:s, s:i, s:b, s:i}", "op", "ready", "pid",
                                                       (int)getpid(), "restored", restored,
                                                       "snapshot", (int)snapshot));
}

/* A snapshot that took over forks its own at once: crashing twice from
 * the same state (the cell run again, unchanged) goes back there again. */
static int ready_after_taking_over(void)
{
    pid_t snapshot;
    while ((snapshot = worker_snapshot_take()) == 0) {
        /* this copy has taken over in turn: it needs a snapshot too */
    }
    return send_ready(true, snapshot);
}

int worker_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* The worker lives only as long as the front that started it. */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent || parent == 1)
        return 1;
    /* Line-buffered so that a cell's printf reaches the notebook while the
     * cell still runs; the interpreter batches it. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* glibc writes "*** buffer overflow detected ***" to the terminal
     * unless told otherwise; the cell's output is where it belongs. */
    setenv("LIBC_FATAL_STDERR_", "1", 0);
    restore_user_umask();
    worker_signals_install();
    worker_flusher_start();
    worker_host_install();
    if (worker_stdin_install() != 0)
        fprintf(stderr, "cnb: worker: cannot set up stdin; input() will not work\n");
    /* Cells' programs (system(), popen) need not hold the snapshot socket. */
    fcntl(WORKER_SNAPSHOT_FD, F_SETFD, FD_CLOEXEC);
    if (send_ready(false, -1) != 0)
        return 1;
    json_t *message;
    while ((message = frame_receive(WORKER_CHANNEL_FD)) != NULL) {
        const char *op = json_string_value(json_object_get(message, "op"));
        json_t *reply = NULL;
        if (op && strcmp(op, "run") == 0) {
            worker_flusher_cell_begins();
            reply = run_cell(json_string_value(json_object_get(message, "library")),
                             json_string_value(json_object_get(message, "function")),
                             json_object_get(message, "rebind"), json_object_get(message, "replaced"),
                             json_is_true(json_object_get(message, "unload")));
            worker_flusher_cell_ends();
            if (after_cell(message, reply)) {
                json_decref(message);
                json_decref(reply);
                if (ready_after_taking_over() != 0)
                    break;
                continue;
            }
        } else if (op && strcmp(op, "ping") == 0) {
            reply = json_pack("{s:s}", "op", "pong");
        }
        json_decref(message);
        if (reply && worker_send(reply) != 0) {
            json_decref(reply);
            break;
        }
        json_decref(reply);
    }
    fflush(stdout);
    fflush(stderr);
    worker_snapshot_drop();
    /* Cells may have registered atexit handlers or left threads running;
     * none of that should run or be waited for now. */
    _exit(0);
}
