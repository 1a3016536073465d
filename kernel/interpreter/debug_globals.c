// SPDX-License-Identifier: BSD-3-Clause
/* The user's globals with their types and values, for the debugger's
 * variables panel while nothing is stopped (interpreter.h).  Each value is
 * what a trailing expression would show: a quiet cell runs per global. */
#include "interpreter_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
