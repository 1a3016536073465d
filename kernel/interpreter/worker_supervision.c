// SPDX-License-Identifier: BSD-3-Clause
/* The worker as the interpreter supervises it: started with the
 * interpreter, sent each cell, watched while it runs, and replaced by a
 * fresh one (with an empty state) when it dies. */
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

/* Starts a fresh worker with an empty state. */
void restart_worker(Interpreter *interp)
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

bool ensure_worker(Interpreter *interp, const ExecuteSink *sink)
{
    if (interp->worker.pid > 0 && worker_process_reap(&interp->worker) < 0)
        return true;
    sink_text(sink, "stderr", "The process running the cells had died; a fresh one was started, "
                                "and the state of earlier cells is lost.\n");
    restart_worker(interp);
    return interp->worker.pid > 0;
}

/* The worker found the heap damaged at the end of the cell (and ended):
 * the error is this cell's, and the state it leaves cannot be trusted. */
static void report_heap_damage(Pump *pump, const char *origin)
{
    const char *evalue = json_string_value(json_object_get(pump->done, "evalue"));
    char *value = NULL;
    if (asprintf(&value, "%s; found at the end of %s, which did it. The worker was replaced by a "
                         "fresh one, and the variables, functions and types of earlier cells are "
                         "lost (run those cells again)", evalue ? evalue : "the heap is damaged",
                 origin) < 0)
        value = NULL;
    outcome_set_error(pump->outcome, "HeapCorruption", value, NULL);
    free(value);
}

static bool heap_damaged(const Pump *pump)
{
    return json_is_true(json_object_get(pump->done, "heap_damaged"));
}

int run_compiled(Interpreter *interp, const Compiled *compiled, const Rebinds *rebinds,
                 const char *origin, Pump *pump)
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
    if (alive && heap_damaged(pump)) {
        drain_all(pump);
        flush_streams(pump, true);
        report_heap_damage(pump, origin);
        reap_status(interp);
        restart_worker(interp);
        return 0;
    }
    if (!alive) {
        drain_all(pump);
        flush_streams(pump, true);
        report_death(pump, reap_status(interp));
        restart_worker(interp);
        return 0;
    }
    return 1;
}

