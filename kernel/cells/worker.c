/* The worker process: `cnb-kernel --worker`.  It holds all cell state.  The
 * interpreter (in the front process) compiles each cell to a shared
 * library and sends {"op": "run", "library", "function"} on fd 3; the
 * worker dlopens it with RTLD_GLOBAL (so later cells resolve its symbols),
 * runs the cell function under worker_run_protected and answers "done".
 * stdout and stderr are pipes the interpreter streams to the frontend. */
#include "interpreter.h"
#include "frame.h"
#include "worker.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

int worker_send(json_t *message)
{
    fflush(stdout);
    fflush(stderr);
    worker_protocol_enter();
    int rc = frame_send(WORKER_CHANNEL_FD, message);
    worker_protocol_leave();
    return rc;
}

json_t *worker_receive(void)
{
    return frame_receive(WORKER_CHANNEL_FD);
}

static json_t *load_error(const char *what)
{
    return json_pack("{s:s, s:b, s:s, s:s, s:s}", "op", "done", "loaded", 0, "status", "error",
                     "ename", "LinkError", "evalue", what ? what : "cannot load the cell");
}

static json_t *run_cell(const char *library, const char *function)
{
    void *handle = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (!handle)
        return load_error(dlerror());
    void (*cell)(void) = (void (*)(void))dlsym(handle, function);
    if (!cell)
        return load_error(dlerror());
    worker_note_cell_code((void *)cell);
    worker_stdin_reset();
    CellEnd end = worker_run_protected(cell);
    fflush(stdout);
    fflush(stderr);
    json_t *done = json_pack("{s:s, s:b, s:s}", "op", "done", "loaded", 1, "status",
                             end == CELL_OK ? "ok" : "error");
    if (done)
        worker_describe_end(end, done);
    return done;
}

/* Line buffering leaves `printf("%d ", i)` progress output sitting in the
 * buffer; this thread pushes it out every 100 ms.  It only tries the
 * stream's lock: a cell unwound in the middle of a printf may still own it,
 * and then the main thread (whose lock it is, recursively) flushes instead. */
static void *flush_periodically(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct timespec pause = {0, 100 * 1000 * 1000};
    for (;;) {
        nanosleep(&pause, NULL);
        if (ftrylockfile(stdout) == 0) {
            fflush_unlocked(stdout);
            funlockfile(stdout);
        }
    }
    return NULL;
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
    worker_signals_install();
    pthread_t flusher;
    if (pthread_create(&flusher, NULL, flush_periodically, NULL) == 0)
        pthread_detach(flusher);
    worker_host_install();
    if (worker_stdin_install() != 0)
        fprintf(stderr, "cnb: worker: cannot set up stdin; input() will not work\n");
    json_t *ready = json_pack("{s:s, s:i}", "op", "ready", "pid", (int)getpid());
    if (frame_send_new(WORKER_CHANNEL_FD, ready) != 0)
        return 1;
    json_t *message;
    while ((message = frame_receive(WORKER_CHANNEL_FD)) != NULL) {
        const char *op = json_string_value(json_object_get(message, "op"));
        json_t *reply = NULL;
        if (op && strcmp(op, "run") == 0) {
            reply = run_cell(json_string_value(json_object_get(message, "library")),
                             json_string_value(json_object_get(message, "function")));
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
    /* Cells may have registered atexit handlers or left threads running;
     * none of that should run or be waited for now. */
    _exit(0);
}
