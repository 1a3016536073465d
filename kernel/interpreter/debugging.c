// SPDX-License-Identifier: BSD-3-Clause
/* What the debugger asks of the interpreter (interpreter.h): the
 * debuggee's pid and cells compiled for stepping (the variables panel's
 * globals are in debug_globals.c, which runs cells). */
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
