// SPDX-License-Identifier: BSD-3-Clause
/* The interpreter: kernel/interpreter.h implemented with a cell compiler in
 * the front process and a worker process that runs the cells.
 *
 * interpreter_execute: magics -> split -> cell_K.c (prelude + cell) -> gcc
 * -> cell_K.so -> "run" to the worker -> pump its stdout/stderr (batched
 * about every 50 ms, never cutting a UTF-8 character) and its frames
 * (display, clear_output, input_request, done) into the sink -> commit the
 * cell's declarations to the state once the worker has loaded it.  A cell
 * that does not compile or link changes nothing.  This file holds
 * the life cycle and the state; the entry points and the steps of a cell
 * live in execute_cell.c, cell_build.c and worker_supervision.c (see
 * interpreter_internal.h), which call this file and never the other way. */
#include "interpreter_internal.h"
#include "files/dir_tree.h"
#include "compiler/macro_table.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

/* ---- life cycle ---- */

static void *prepare(void *arg)
{
    Interpreter *interp = arg;
    cell_compiler_prepare(interp->compiler);
    return NULL;
}

void wait_prepared(Interpreter *interp)
{
    if (interp->preparing) {
        pthread_join(interp->prepare_thread, NULL);
        interp->preparing = false;
    }
}

Interpreter *interpreter_new(const char *work_dir)
{
    Interpreter *interp = calloc(1, sizeof *interp);
    if (!interp)
        return NULL;
    pthread_mutex_init(&interp->lock, NULL);
    pthread_mutex_init(&interp->run_lock, NULL);
    cell_state_init(&interp->state);
    interp->worker = WORKER_PROCESS_NONE;
    interp->rollback = true;
    /* A worker's snapshot outlives the worker it was forked from: as a
     * subreaper, this process inherits it and can let it take over. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
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
    if (start_worker(interp) != 0) {
        interpreter_free(interp);
        return NULL;
    }
    return interp;
}

static void detach_assistant(Interpreter *interp)
{
    if (interp->assistant.free_data)
        interp->assistant.free_data(interp->assistant.data);
    interp->assistant = (InterpreterAssistant){0};
}

void interpreter_free(Interpreter *interp)
{
    if (!interp)
        return;
    detach_assistant(interp);
    wait_prepared(interp);
    worker_process_stop(&interp->worker);
    if (interp->work_dir)
        remove_tree(interp->work_dir);
    cell_compiler_free(interp->compiler);
    cell_state_clear(&interp->state);
    string_list_free(&interp->cflags);
    string_list_free(&interp->ldflags);
    string_list_free(&interp->debug_renames);
    if (interp->interrupt_fd >= 0)
        close(interp->interrupt_fd);
    pthread_mutex_destroy(&interp->lock);
    pthread_mutex_destroy(&interp->run_lock);
    free(interp->work_dir);
    free(interp);
}

void interpreter_attach_assistant(Interpreter *interp, InterpreterAssistant assistant)
{
    detach_assistant(interp);
    interp->assistant = assistant;
}

void *interpreter_assistant_data(Interpreter *interp)
{
    return interp ? interp->assistant.data : NULL;
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

bool take_interrupt(Interpreter *interp)
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

int write_file(const char *dir, const char *name, const char *text)
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

/* ---- the state, as the assistants see it ---- */

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
    return interpreter_split_cell(interp, code, NULL, NULL, plan);
}

int interpreter_split_cell(Interpreter *interp, const char *code, const char *header_macros,
                           const StringList *cflags, CellPlan *plan)
{
    MacroTable macros;
    pthread_mutex_lock(&interp->lock);
    int rc = cell_state_macros(&interp->state, &macros);
    /* The -D options of %cflags are macros too, before every cell. */
    if (rc == 0)
        rc = macro_table_apply_flags(&macros, interp->cflags.items, interp->cflags.count);
    if (rc == 0 && cflags)
        rc = macro_table_apply_flags(&macros, cflags->items, cflags->count);
    if (rc == 0 && header_macros)
        rc = macro_table_apply_lines(&macros, header_macros);
    if (rc == 0)
        rc = cell_split_macros(code, &macros, interpreter_is_type, interp, plan);
    pthread_mutex_unlock(&interp->lock);
    macro_table_free(&macros);
    return rc;
}

const char *interpreter_include_dir(Interpreter *interp)
{
    return cell_compiler_include_dir(interp->compiler);
}
