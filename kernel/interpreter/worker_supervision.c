// SPDX-License-Identifier: BSD-3-Clause
/* The worker as the interpreter supervises it: started with the
 * interpreter, sent each cell, watched while it runs, and, when it dies or
 * damages its heap, replaced by its snapshot (the state of the end of the
 * last cell it ran, see worker/worker_snapshot.h) or, without one, by a
 * fresh worker with an empty state.  The interpreter's own state needs no
 * rolling back: a snapshot is taken after every cell the worker loaded,
 * the cells it commits, and the failing cell is not committed. */
#include "interpreter_internal.h"
#include "compiler/cell_source.h"
#include "outcome.h"
#include "wire/frame.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int start_worker(Interpreter *interp)
{
    int rc = worker_process_start(&interp->worker);
    atomic_store(&interp->worker_pid, rc == 0 ? interp->worker.pid : -1);
    return rc;
}

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

/* The snapshot becomes the worker: true; false without one (rollback off,
 * none yet, skipped) or when it cannot. */
static bool roll_back(Interpreter *interp)
{
    if (!interp->rollback || interp->worker.snapshot <= 0)
        return false;
    int rc = worker_process_take_over(&interp->worker);
    atomic_store(&interp->worker_pid, rc == 0 ? interp->worker.pid : -1);
    return rc == 0;
}

/* What became of the state: "the state is back to the end of cell [3] ...",
 * or today's words when no snapshot took over. */
static char *state_after(Interpreter *interp, bool rolled_back, const char *reason)
{
    char *text = NULL;
    int rc;
    if (rolled_back)
        rc = asprintf(&text, "%s; the state is back to the end of cell %s (its snapshot took over): "
                             "only this cell's effects are lost", reason, interp->snapshot_cell);
    else
        rc = asprintf(&text, "%s; a fresh one was started, and the variables, functions and types "
                             "of earlier cells are lost (run those cells again)%s", reason,
                      !interp->rollback ? " (%rollback is off)" : "");
    return rc < 0 ? NULL : text;
}

/* Starts a fresh worker with an empty state. */
void restart_worker(Interpreter *interp)
{
    worker_process_stop(&interp->worker);
    pthread_mutex_lock(&interp->lock);
    cell_state_clear(&interp->state);
    pthread_mutex_unlock(&interp->lock);
    start_worker(interp);
}

/* The worker is dead (reaped): its snapshot or a fresh one replaces it. */
static void replace_worker(Interpreter *interp, Pump *pump, const char *ename, const char *reason)
{
    bool rolled_back = roll_back(interp);
    if (!rolled_back)
        restart_worker(interp);
    char *value = state_after(interp, rolled_back, reason);
    outcome_set_error(pump->outcome, ename, value, NULL);
    free(value);
}

static void report_death(Interpreter *interp, Pump *pump, int status)
{
    char *reason = death_reason(status);
    replace_worker(interp, pump, "WorkerDied", reason ? reason : "the process running the cells died");
    free(reason);
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

bool ensure_worker(Interpreter *interp, const ExecuteSink *sink)
{
    int status = 0;
    if (interp->worker.pid > 0 && (status = worker_process_reap(&interp->worker)) < 0)
        return true;
    char *reason = death_reason(status), *text = NULL;
    if (roll_back(interp)) {
        if (asprintf(&text, "%s, between cells; the state is back to the end of cell %s (its "
                            "snapshot took over).\n", reason ? reason : "The process running the "
                            "cells had died", interp->snapshot_cell) >= 0)
            sink_text(sink, "stderr", text);
    } else {
        sink_text(sink, "stderr", "The process running the cells had died; a fresh one was started, "
                                    "and the state of earlier cells is lost.\n");
        restart_worker(interp);
    }
    free(text);
    free(reason);
    return interp->worker.pid > 0;
}

/* The worker's word on its snapshot after a cell it loaded: the new one's
 * pid (the cell's end is what it holds), or -1 and perhaps why it skipped
 * (said once: a short note, not each cell). */
static void note_snapshot(Interpreter *interp, const Pump *pump, const char *origin)
{
    json_t *pid = json_object_get(pump->done, "snapshot");
    if (!json_is_integer(pid))
        return;
    interp->worker.snapshot = (pid_t)json_integer_value(pid);
    int number;
    if (interp->worker.snapshot > 0 && sscanf(origin, "In[%d]", &number) == 1)
        snprintf(interp->snapshot_cell, sizeof interp->snapshot_cell, "[%d]", number);
    const char *skipped = json_string_value(json_object_get(pump->done, "snapshot_skipped"));
    if (skipped && !interp->snapshot_note_given) {
        char *note = NULL;
        if (asprintf(&note, "note: no rollback snapshots from here on: %s; a crash now loses "
                            "the state, as without them.\n", skipped) >= 0)
            sink_text(pump->sink, "stderr", note);
        free(note);
        interp->snapshot_note_given = true;
    }
}

/* The worker found the heap damaged at the end of the cell (and ended):
 * the error is this cell's, and the state it leaves cannot be trusted. */
static void report_heap_damage(Interpreter *interp, Pump *pump, const char *origin)
{
    const char *evalue = json_string_value(json_object_get(pump->done, "evalue"));
    char *reason = NULL;
    if (asprintf(&reason, "%s; found at the end of %s, which did it. The process running the "
                          "cells was replaced", evalue ? evalue : "the heap is damaged", origin) < 0)
        reason = NULL;
    replace_worker(interp, pump, "HeapCorruption", reason ? reason : "the heap is damaged");
    free(reason);
}

static bool heap_damaged(const Pump *pump)
{
    return json_is_true(json_object_get(pump->done, "heap_damaged"));
}

int run_compiled(Interpreter *interp, const Compiled *compiled, const Rebinds *rebinds,
                 const char *origin, Pump *pump)
{
    char *function = cell_function_name(compiled->cell);
    json_t *run = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:b}", "op", "run", "library",
                            compiled->library, "function", function ? function : "", "rebind",
                            late_binding_request(rebinds, compiled->cell), "replaced",
                            late_binding_replaced(rebinds), "unload", compiled->unload,
                            "snapshot", interp->rollback);
    free(function);
    bool alive = run && frame_send(interp->worker.channel, run) == 0;
    json_decref(run);
    if (alive)
        alive = pump_cell(pump);
    if (alive && heap_damaged(pump)) {
        drain_all(pump);
        flush_streams(pump, true);
        reap_status(interp);
        report_heap_damage(interp, pump, origin);
        return 0;
    }
    if (!alive) {
        drain_all(pump);
        flush_streams(pump, true);
        report_death(interp, pump, reap_status(interp));
        return 0;
    }
    note_snapshot(interp, pump, origin);
    return 1;
}

