// SPDX-License-Identifier: BSD-3-Clause
/* The debugger session: what the kernel answers itself, what it relays to
 * the adapter (see debugger.h). */
#include "debugger.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cell_path.h"
#include "code_restore.h"
#include "dap_channel.h"

#define CELL_SUFFIX ".c"
/* How long a relayed request may take (an evaluate may call a function). */
#define ADAPTER_TIMEOUT_MS 15000

struct Debugger {
    char *prefix;               /* work_dir/debug/: where dumped cells live */
    DebugEventSink sink;
    void *sink_context;
    DapChannel *dap;
    json_t *breakpoints;        /* path -> the source breakpoints JupyterLab set there */
    pthread_mutex_t lock;       /* attached, stopped, why_off: the reader thread writes them */
    bool attached;
    pid_t debuggee;             /* the worker attached to, or 0 */
    Interpreter *interp;        /* whose cells are compiled for the debugger, or NULL */
    bool stopping;              /* a disconnect of ours: the adapter's end is no news */
    bool debuggee_gone;         /* the worker attached to ended (the adapter lives on) */
    json_t *stopped;            /* ids of the threads stopped now */
    char *why_off;              /* why the debugger went off by itself, or NULL */
};

/* ---- responses ---- */

static json_t *response(const json_t *request, bool success, json_t *body, const char *message)
{
    json_t *reply = json_pack("{s:i, s:s, s:O?, s:b, s:O?}", "seq", 0, "type", "response",
                              "request_seq", json_object_get(request, "seq"), "success", success,
                              "command", json_object_get(request, "command"));
    if (reply && body)
        json_object_set(reply, "body", body);
    if (reply && message)
        json_object_set_new(reply, "message", json_string(message));
    json_decref(body);
    return reply;
}

static json_t *failure(const json_t *request, const char *message)
{
    return response(request, false, NULL, message);
}

/* The adapter's response, renumbered as the answer to the client's request. */
static json_t *as_answer(const json_t *request, json_t *answer)
{
    json_object_set(answer, "request_seq", json_object_get(request, "seq"));
    json_object_set_new(answer, "seq", json_integer(0));
    return answer;
}

/* ---- events from the adapter (reader thread) ---- */

static void note_event(Debugger *debugger, const char *name, json_t *body)
{
    pthread_mutex_lock(&debugger->lock);
    if (strcmp(name, "stopped") == 0) {
        json_t *thread = json_object_get(body, "threadId");
        if (thread)
            json_array_append(debugger->stopped, thread);
    } else if (strcmp(name, "continued") == 0 || strcmp(name, "exited") == 0 ||
               strcmp(name, "terminated") == 0) {
        json_array_clear(debugger->stopped);
    }
    if ((strcmp(name, "exited") == 0 || strcmp(name, "terminated") == 0) && debugger->attached &&
        !debugger->stopping) {
        /* The worker ended under the debugger: %reset, or it died. */
        debugger->attached = false;
        debugger->debuggee = 0;
        debugger->debuggee_gone = true;
        if (!debugger->why_off)
            debugger->why_off = strdup("the worker restarted (%reset, or it died) and the debugger "
                                       "is off: turn it off and on again to debug the new one");
    }
    pthread_mutex_unlock(&debugger->lock);
}

static json_t *event(const char *name, json_t *body)
{
    return json_pack("{s:i, s:s, s:s, s:o}", "seq", 0, "type", "event", "event", name, "body",
                     body ? body : json_object());
}

/* The adapter has gone without being asked: the debugger is off, cells
 * compile as before, and the frontend is told why. */
static void adapter_gone(Debugger *debugger)
{
    pthread_mutex_lock(&debugger->lock);
    bool news = !debugger->stopping;
    pid_t debuggee = debugger->debuggee;
    Interpreter *interp = debugger->interp;
    debugger->attached = false;
    debugger->debuggee = 0;
    debugger->interp = NULL;
    json_array_clear(debugger->stopped);
    if (news && !debugger->why_off)
        debugger->why_off = strdup("the debug adapter (lldb-vscode) exited; the debugger is off");
    pthread_mutex_unlock(&debugger->lock);
    if (!news)
        return;
    interpreter_set_debugging(interp, NULL, NULL);
    /* Its breakpoints are still in the worker's code: put the code back
     * once its lldb-server has let go of it. */
    if (debuggee > 0 && code_restore_wait_untraced(debuggee, 2000))
        code_restore(debuggee);
    debugger->sink(debugger->sink_context,
                   event("output", json_pack("{s:s, s:s}", "category", "important", "output",
                                             "The debug adapter exited: the debugger is off, "
                                             "cells run on as before.\n")));
    debugger->sink(debugger->sink_context, event("terminated", NULL));
}

static void on_adapter_event(void *context, json_t *message)
{
    Debugger *debugger = context;
    if (!message) {
        adapter_gone(debugger);
        debugger->sink(debugger->sink_context, NULL);
        return;
    }
    const char *name = json_string_value(json_object_get(message, "event"));
    if (name)
        note_event(debugger, name, json_object_get(message, "body"));
    debugger->sink(debugger->sink_context, json_incref(message));
}

/* ---- the adapter ---- */

static bool adapter_running(Debugger *debugger)
{
    return debugger->dap && dap_channel_alive(debugger->dap);
}

static void stop_adapter(Debugger *debugger, Interpreter *interp)
{
    interpreter_set_debugging(interp, NULL, NULL);
    if (!debugger->dap)
        return;
    pthread_mutex_lock(&debugger->lock);
    debugger->stopping = true;
    pthread_mutex_unlock(&debugger->lock);
    dap_channel_stop(debugger->dap);
    debugger->dap = NULL;
    pthread_mutex_lock(&debugger->lock);
    debugger->stopping = false;
    debugger->attached = false;
    debugger->debuggee = 0;
    debugger->interp = NULL;
    json_array_clear(debugger->stopped);
    pthread_mutex_unlock(&debugger->lock);
}

static int start_adapter(Debugger *debugger, Interpreter *interp, char **why)
{
    stop_adapter(debugger, interp);
    const char *adapter = getenv("CNB_DEBUG_ADAPTER");
    debugger->dap = dap_channel_start(adapter && *adapter ? adapter : DEBUG_ADAPTER_DEFAULT,
                                      on_adapter_event, debugger, why);
    pthread_mutex_lock(&debugger->lock);
    free(debugger->why_off);
    debugger->why_off = debugger->dap ? NULL : (*why ? strdup(*why) : NULL);
    pthread_mutex_unlock(&debugger->lock);
    return debugger->dap ? 0 : -1;
}

/* Sends a request to the adapter: its response (new reference) or NULL and *why. */
static json_t *ask_adapter(Debugger *debugger, const char *command, json_t *arguments, char **why)
{
    *why = NULL;
    if (!adapter_running(debugger)) {
        json_decref(arguments);
        pthread_mutex_lock(&debugger->lock);
        *why = strdup(debugger->why_off ? debugger->why_off : "the debugger is not started");
        pthread_mutex_unlock(&debugger->lock);
        return NULL;
    }
    return dap_channel_request(debugger->dap, command, arguments, ADAPTER_TIMEOUT_MS, why);
}

static bool is_attached(Debugger *debugger)
{
    pthread_mutex_lock(&debugger->lock);
    bool attached = debugger->attached;
    pthread_mutex_unlock(&debugger->lock);
    return attached && adapter_running(debugger);
}

/* ---- cells ---- */

static char *path_of(void *context, const char *code)
{
    Debugger *debugger = context;
    return cell_path(debugger->prefix, code, CELL_PATH_HASH_SEED, CELL_SUFFIX);
}

static int write_cell(const char *prefix, const char *path, const char *code)
{
    if (mkdir(prefix, 0700) != 0 && errno != EEXIST)
        return -1;
    FILE *file = fopen(path, "w");
    if (!file)
        return -1;
    fputs(code, file);
    return fclose(file) == 0 ? 0 : -1;
}

/* ---- the requests the kernel answers itself ---- */

typedef json_t *(*Handler)(Debugger *debugger, Interpreter *interp, const json_t *request,
                           const json_t *arguments);

static json_t *on_initialize(Debugger *debugger, Interpreter *interp, const json_t *request,
                             const json_t *arguments)
{
    char *why = NULL;
    json_t *answer = NULL;
    if (start_adapter(debugger, interp, &why) == 0)
        answer = ask_adapter(debugger, "initialize", json_deep_copy(arguments), &why);
    /* lldb offers C++, Objective-C and Swift exception breakpoints: none of
     * them can happen in a C cell (a fault stops anyway). */
    json_t *body = json_object_get(answer, "body");
    if (json_is_object(body))
        json_object_set_new(body, "exceptionBreakpointFilters", json_array());
    json_t *reply = answer ? as_answer(request, answer) : failure(request, why);
    free(why);
    return reply;
}

/* The worker's signals that are the kernel's own business: an interrupt
 * (SIGINT, then SIGUSR1 for a tight loop) and the flusher's wake-ups pass
 * to the worker without stopping it.  Faults still stop. */
static const char *const signal_settings =
    "`process handle SIGINT SIGUSR1 SIGUSR2 SIGALRM SIGCHLD SIGPIPE -s false -n false -p true";

/* Breakpoints set before the attach (or kept from an earlier one). */
static void send_breakpoints(Debugger *debugger)
{
    const char *path;
    json_t *breakpoints;
    json_object_foreach(debugger->breakpoints, path, breakpoints) {
        char *why = NULL;
        json_t *arguments = json_pack("{s:{s:s}, s:O}", "source", "path", path, "breakpoints",
                                      breakpoints);
        json_decref(ask_adapter(debugger, "setBreakpoints", arguments, &why));
        free(why);
    }
}

static json_t *on_attach(Debugger *debugger, Interpreter *interp, const json_t *request,
                         const json_t *arguments)
{
    (void)arguments;
    int pid = interpreter_worker_pid(interp);
    if (pid <= 0)
        return failure(request, "no worker runs that the debugger could attach to");
    char *why = NULL;
    json_t *answer = ask_adapter(debugger, "attach", json_pack("{s:i}", "pid", pid), &why);
    if (!answer) {
        json_t *reply = failure(request, why);
        free(why);
        return reply;
    }
    if (json_is_true(json_object_get(answer, "success"))) {
        pthread_mutex_lock(&debugger->lock);
        debugger->attached = true;
        debugger->debuggee = pid;
        debugger->interp = interp;
        pthread_mutex_unlock(&debugger->lock);
        interpreter_set_debugging(interp, path_of, debugger);
        json_decref(ask_adapter(debugger, "evaluate",
                                json_pack("{s:s, s:s}", "expression", signal_settings, "context", "repl"),
                                &why));
        free(why);
        send_breakpoints(debugger);
        /* lldb-vscode holds an attached process until configurationDone;
         * the worker runs on at once (JupyterLab's own configurationDone
         * is answered here, as ipykernel does). */
        json_decref(ask_adapter(debugger, "configurationDone", json_object(), &why));
        free(why);
    }
    return as_answer(request, answer);
}

static json_t *breakpoint_list(Debugger *debugger)
{
    json_t *list = json_array();
    const char *path;
    json_t *breakpoints;
    json_object_foreach(debugger->breakpoints, path, breakpoints)
        json_array_append_new(list, json_pack("{s:s, s:O}", "source", path, "breakpoints", breakpoints));
    return list;
}

static json_t *on_debug_info(Debugger *debugger, Interpreter *interp, const json_t *request,
                             const json_t *arguments)
{
    (void)interp, (void)arguments;
    bool started = is_attached(debugger);
    pthread_mutex_lock(&debugger->lock);
    json_t *stopped = json_deep_copy(debugger->stopped);
    pthread_mutex_unlock(&debugger->lock);
    json_t *body = json_pack("{s:b, s:s, s:I, s:s, s:s, s:o, s:o, s:b, s:[], s:b}",
                             "isStarted", started, "hashMethod", "Murmur2",
                             "hashSeed", (json_int_t)CELL_PATH_HASH_SEED,
                             "tmpFilePrefix", debugger->prefix, "tmpFileSuffix", CELL_SUFFIX,
                             "breakpoints", breakpoint_list(debugger), "stoppedThreads", stopped,
                             "richRendering", false, "exceptionPaths", "copyToGlobals", false);
    return response(request, true, body, NULL);
}

static json_t *on_dump_cell(Debugger *debugger, Interpreter *interp, const json_t *request,
                            const json_t *arguments)
{
    (void)interp;
    const char *code = json_string_value(json_object_get(arguments, "code"));
    if (!code)
        return failure(request, "dumpCell needs the cell's code");
    char *path = path_of(debugger, code);
    if (!path || write_cell(debugger->prefix, path, code) != 0) {
        free(path);
        return failure(request, "cannot write the cell's file");
    }
    json_t *reply = response(request, true, json_pack("{s:s}", "sourcePath", path), NULL);
    free(path);
    return reply;
}

/* Not yet attached: the breakpoints are kept and sent on attach. */
static json_t *unverified(const json_t *breakpoints)
{
    json_t *list = json_array();
    size_t i;
    json_t *breakpoint;
    json_array_foreach(breakpoints, i, breakpoint)
        json_array_append_new(list, json_pack("{s:b, s:O?}", "verified", false, "line",
                                              json_object_get(breakpoint, "line")));
    return json_pack("{s:o}", "breakpoints", list);
}

static json_t *on_set_breakpoints(Debugger *debugger, Interpreter *interp, const json_t *request,
                                  const json_t *arguments)
{
    (void)interp;
    const char *path = json_string_value(json_object_get(json_object_get(arguments, "source"), "path"));
    json_t *breakpoints = json_object_get(arguments, "breakpoints");
    if (!path)
        return failure(request, "setBreakpoints needs source.path");
    if (json_is_array(breakpoints) && json_array_size(breakpoints) > 0)
        json_object_set_new(debugger->breakpoints, path, json_deep_copy(breakpoints));
    else
        json_object_del(debugger->breakpoints, path);
    if (!is_attached(debugger))
        return response(request, true, unverified(breakpoints), NULL);
    char *why = NULL;
    json_t *answer = ask_adapter(debugger, "setBreakpoints", json_deep_copy(arguments), &why);
    json_t *reply = answer ? as_answer(request, answer) : failure(request, why);
    free(why);
    return reply;
}

static json_t *on_configuration_done(Debugger *debugger, Interpreter *interp,
                                     const json_t *request, const json_t *arguments)
{
    (void)debugger, (void)interp, (void)arguments;
    return response(request, true, NULL, NULL);
}

static json_t *on_inspect_variables(Debugger *debugger, Interpreter *interp,
                                    const json_t *request, const json_t *arguments)
{
    (void)debugger, (void)arguments;
    json_t *globals = interpreter_globals(interp);
    json_t *variables = json_array();
    size_t i;
    json_t *global;
    json_array_foreach(globals, i, global)
        json_array_append_new(variables,
                              json_pack("{s:O, s:O, s:O, s:O, s:i}", "name", json_object_get(global, "name"),
                                        "value", json_object_get(global, "value"),
                                        "type", json_object_get(global, "type"),
                                        "evaluateName", json_object_get(global, "name"),
                                        "variablesReference", 0));
    json_decref(globals);
    return response(request, true, json_pack("{s:o}", "variables", variables), NULL);
}

static json_t *on_disconnect(Debugger *debugger, Interpreter *interp, const json_t *request,
                             const json_t *arguments)
{
    (void)arguments;
    if (adapter_running(debugger)) {
        char *why = NULL;
        json_decref(ask_adapter(debugger, "disconnect", json_pack("{s:b}", "terminateDebuggee", false),
                                &why));
        free(why);
    }
    stop_adapter(debugger, interp);
    json_object_clear(debugger->breakpoints);
    return response(request, true, NULL, NULL);
}

/* ---- relayed requests ---- */

/* A cell's functions are known to lldb by their versioned symbols
 * (cnb_c3_twice, compiler/cell_source.h); the student wrote twice.  The
 * cell's statements run in cnb_cell_N. */
static void name_frame(json_t *frame)
{
    const char *name = json_string_value(json_object_get(frame, "name"));
    int cell = 0, end = 0;
    if (!name)
        return;
    if (sscanf(name, "cnb_c%d_%n", &cell, &end) == 1 && end > 0 && name[end])
        json_object_set_new(frame, "name", json_string(name + end));
    else if (sscanf(name, "cnb_cell_%d%n", &cell, &end) == 1 && name[end] == '\0')
        json_object_set_new(frame, "name", json_string("<cell>"));
}

/* The cells' frames are the student's: frames in the worker, libc or the
 * runtime are left out of the stack when a cell's frame is on it. */
static void keep_cell_frames(Debugger *debugger, json_t *answer)
{
    json_t *body = json_object_get(answer, "body");
    json_t *frames = json_object_get(body, "stackFrames");
    json_t *cells = json_array();
    size_t i;
    json_t *frame;
    json_array_foreach(frames, i, frame) {
        const char *path = json_string_value(json_object_get(json_object_get(frame, "source"), "path"));
        if (path && strncmp(path, debugger->prefix, strlen(debugger->prefix)) == 0) {
            name_frame(frame);
            json_array_append(cells, frame);
        }
    }
    if (json_array_size(cells) > 0) {
        json_object_set(body, "stackFrames", cells);
        json_object_set_new(body, "totalFrames", json_integer((json_int_t)json_array_size(cells)));
    }
    json_decref(cells);
}

static bool resumes(const char *command)
{
    static const char *const resuming[] = {"continue", "next", "stepIn", "stepOut", NULL};
    for (const char *const *name = resuming; *name; name++)
        if (strcmp(command, *name) == 0)
            return true;
    return false;
}

static json_t *relay(Debugger *debugger, const json_t *request, const char *command,
                     const json_t *arguments)
{
    if (!is_attached(debugger)) {
        pthread_mutex_lock(&debugger->lock);
        json_t *reply = failure(request, debugger->why_off ? debugger->why_off : "the debugger is not started");
        pthread_mutex_unlock(&debugger->lock);
        return reply;
    }
    /* JupyterLab takes its "paused" overlay off the notebook on a continued
     * event, which lldb-vscode 14 does not send; it goes out before the
     * request, so that the stop of a short step always comes after it. */
    if (resumes(command)) {
        pthread_mutex_lock(&debugger->lock);
        json_array_clear(debugger->stopped);
        pthread_mutex_unlock(&debugger->lock);
        debugger->sink(debugger->sink_context,
                       event("continued", json_pack("{s:O?, s:b}", "threadId",
                                                    json_object_get(arguments, "threadId"),
                                                    "allThreadsContinued", true)));
    }
    char *why = NULL;
    json_t *answer = ask_adapter(debugger, command, arguments ? json_deep_copy(arguments) : NULL, &why);
    if (!answer) {
        json_t *reply = failure(request, why);
        free(why);
        return reply;
    }
    if (json_is_true(json_object_get(answer, "success")) && strcmp(command, "stackTrace") == 0)
        keep_cell_frames(debugger, answer);
    return as_answer(request, answer);
}

/* ---- the interface ---- */

typedef struct Route {
    const char *command;
    Handler handler;
} Route;

static const Route routes[] = {
    {"initialize", on_initialize},
    {"attach", on_attach},
    {"debugInfo", on_debug_info},
    {"dumpCell", on_dump_cell},
    {"setBreakpoints", on_set_breakpoints},
    {"configurationDone", on_configuration_done},
    {"inspectVariables", on_inspect_variables},
    {"disconnect", on_disconnect},
};

json_t *debugger_handle(Debugger *debugger, Interpreter *interp, const json_t *request)
{
    /* An adapter that went by itself, or whose worker went, is ended, and
     * cells compile as before. */
    pthread_mutex_lock(&debugger->lock);
    bool debuggee_gone = debugger->debuggee_gone;
    debugger->debuggee_gone = false;
    pthread_mutex_unlock(&debugger->lock);
    if (debugger->dap && (debuggee_gone || !dap_channel_alive(debugger->dap)))
        stop_adapter(debugger, interp);
    const char *command = json_string_value(json_object_get(request, "command"));
    if (!command)
        return failure(request, "a debug request needs a command");
    const json_t *arguments = json_object_get(request, "arguments");
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].command, command) == 0)
            return routes[i].handler(debugger, interp, request, arguments);
    return relay(debugger, request, command, arguments);
}

Debugger *debugger_new(const char *work_dir, DebugEventSink sink, void *context)
{
    Debugger *debugger = calloc(1, sizeof *debugger);
    if (!debugger)
        return NULL;
    debugger->sink = sink;
    debugger->sink_context = context;
    debugger->breakpoints = json_object();
    debugger->stopped = json_array();
    pthread_mutex_init(&debugger->lock, NULL);
    if (asprintf(&debugger->prefix, "%s/debug/", work_dir) < 0 || !debugger->breakpoints ||
        !debugger->stopped) {
        debugger->prefix = NULL;
        debugger_free(debugger, NULL);
        return NULL;
    }
    return debugger;
}

void debugger_free(Debugger *debugger, Interpreter *interp)
{
    if (!debugger)
        return;
    interpreter_set_debugging(interp, NULL, NULL);
    if (adapter_running(debugger)) {
        char *why = NULL;
        json_decref(dap_channel_request(debugger->dap, "disconnect",
                                        json_pack("{s:b}", "terminateDebuggee", false), 2000, &why));
        free(why);
    }
    if (debugger->dap) {
        debugger->stopping = true;
        dap_channel_stop(debugger->dap);
    }
    /* An event sent from this thread after the reader had ended may have
     * opened the sink's channel again: it must be closed before ZeroMQ's
     * context can end. */
    debugger->sink(debugger->sink_context, NULL);
    json_decref(debugger->breakpoints);
    json_decref(debugger->stopped);
    pthread_mutex_destroy(&debugger->lock);
    free(debugger->why_off);
    free(debugger->prefix);
    free(debugger);
}
