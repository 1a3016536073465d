// SPDX-License-Identifier: BSD-3-Clause
/* What the debugger asks of the interpreter (interpreter.h): the
 * debuggee's pid, cells compiled for stepping, and the user's globals for
 * the variables panel. */
#include "interpreter_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int interpreter_worker_pid(Interpreter *interp)
{
    return interp ? (int)atomic_load(&interp->worker_pid) : -1;
}

void interpreter_set_debugging(Interpreter *interp, CellDebugPath path_for, void *context)
{
    if (!interp)
        return;
    pthread_mutex_lock(&interp->lock);
    interp->debug_path = path_for;
    interp->debug_context = context;
    pthread_mutex_unlock(&interp->lock);
}

/* A fault's location names the cell In[N], not the debugger's path of it
 * (the newest cell of that code). */
static void note_rename(StringList *renames, const char *path, const char *origin)
{
    for (size_t i = 0; i + 1 < renames->count; i += 2) {
        if (strcmp(renames->items[i], path) == 0) {
            char *name = strdup(origin);
            if (name) {
                free(renames->items[i + 1]);
                renames->items[i + 1] = name;
            }
            return;
        }
    }
    string_list_add(renames, path);
    string_list_add(renames, origin);
}

/* -O0 so that every line has code and every local a home; _FORTIFY_SOURCE
 * would warn without optimization.  The debug info's file names are
 * remapped (gcc's -fdebug-prefix-map matches "In[3]" as a prefix of the
 * #line file name), so lldb knows the lines by the debugger's path while
 * gcc's diagnostics still say In[3]. */
static const char *const debug_flags[] = {"-O0", "-U_FORTIFY_SOURCE", NULL};

void debugging_flags(Interpreter *interp, const char *code, const char *origin, StringList *cflags)
{
    /* Under the lock: the debugger may be going away on another thread. */
    pthread_mutex_lock(&interp->lock);
    char *path = interp->debug_path ? interp->debug_path(interp->debug_context, code) : NULL;
    bool debugging = interp->debug_path != NULL;
    if (path)
        note_rename(&interp->debug_renames, path, origin);
    pthread_mutex_unlock(&interp->lock);
    if (!debugging)
        return;
    /* The first cell compiled for the debugger waits for a precompiled
     * header of its own (on this thread, the one that compiles cells). */
    if (!interp->debug_pch_tried) {
        interp->debug_pch_tried = true;
        cell_compiler_prepare_variant(interp->compiler, "debug", (char *const *)debug_flags);
    }
    for (const char *const *flag = debug_flags; *flag; flag++)
        string_list_add(cflags, *flag);
    char *map = NULL;
    if (path && asprintf(&map, "-fdebug-prefix-map=%s=%s", origin, path) >= 0)
        string_list_add(cflags, map);
    free(map);
    free(path);
}

/* ---- the globals ---- */

static void quiet_stream(void *context, const char *name, const char *text, size_t size)
{
    (void)context, (void)name, (void)text, (void)size;
}

static void quiet_display(void *context, json_t *data, json_t *metadata, const char *display_id,
                          bool update)
{
    (void)context, (void)data, (void)metadata, (void)display_id, (void)update;
}

static void quiet_clear(void *context, bool wait)
{
    (void)context, (void)wait;
}

static char *no_input(void *context, const char *prompt, bool password)
{
    (void)context, (void)prompt, (void)password;
    return NULL;
}

/* The value as a trailing expression would show it, or "". */
static json_t *value_of(Interpreter *interp, const char *name)
{
    static const ExecuteSink quiet = {NULL, quiet_stream, quiet_display, quiet_clear, no_input};
    ExecuteOutcome outcome;
    json_t *value = NULL;
    if (execute_cell(interp, name, NULL, "<expression>", false, false, &quiet, &outcome) == 0 &&
        outcome.status == EXECUTE_OK)
        value = json_incref(json_object_get(outcome.result_data, "text/plain"));
    execute_outcome_clear(&outcome);
    return json_is_string(value) ? value : (json_decref(value), json_string(""));
}

/* Each value costs a compile: a panel of many globals shows the first ones'. */
#define MAX_VALUES 32

json_t *interpreter_globals(Interpreter *interp)
{
    json_t *globals = json_array();
    if (!interp || !globals)
        return globals;
    pthread_mutex_lock(&interp->lock);
    for (size_t i = 0; i < interp->state.count; i++) {
        const StateEntry *entry = &interp->state.entries[i];
        if (entry->kind == ENTRY_VARIABLE && entry->key_count > 0)
            json_array_append_new(globals, json_pack("{s:s, s:s, s:s}", "name", entry->keys[0],
                                                     "type", entry->type ? entry->type : "",
                                                     "value", ""));
    }
    pthread_mutex_unlock(&interp->lock);
    /* A running cell (or one stopped in the debugger) owns the worker. */
    if (pthread_mutex_trylock(&interp->run_lock) != 0)
        return globals;
    size_t i;
    json_t *global;
    json_array_foreach(globals, i, global) {
        if (i >= MAX_VALUES)
            break;
        const char *name = json_string_value(json_object_get(global, "name"));
        json_object_set_new(global, "value", value_of(interp, name));
    }
    pthread_mutex_unlock(&interp->run_lock);
    return globals;
}
