// SPDX-License-Identifier: BSD-3-Clause
/* The kernel's side of the Jupyter debugger protocol: each debug_request's
 * content is a DAP request, answered with a DAP response as the
 * debug_reply's content.  The kernel answers itself what only it knows
 * (debugInfo, dumpCell, the breakpoints it keeps per cell path,
 * inspectVariables from the cells' globals, configurationDone) and relays
 * the rest to lldb's adapter, which it starts on `initialize` and attaches
 * to the worker on `attach`.  The adapter's events become debug_events.
 *
 * Threads: debugger_handle is called from one thread (the control
 * thread); the sink is called from the adapter's reader thread. */
#ifndef CNB_DEBUGGER_DEBUGGER_H
#define CNB_DEBUGGER_DEBUGGER_H

#include <jansson.h>

#include "interpreter/interpreter.h"

typedef struct Debugger Debugger;

/* A debug_event's content (stolen), from the adapter's reader thread (and
 * from debugger_handle's thread: the sink serializes them); NULL once the
 * reader thread is about to end (the sink may free what it keeps). */
typedef void (*DebugEventSink)(void *context, json_t *event);

/* The adapter: $CNB_DEBUG_ADAPTER, else Debian's lldb-vscode-14. */
#define DEBUG_ADAPTER_DEFAULT "/usr/bin/lldb-vscode-14"

/* work_dir: the kernel's private folder (dumped cells go to work_dir/debug/). */
Debugger *debugger_new(const char *work_dir, DebugEventSink sink, void *context);
/* Detaches from the worker (which runs on), compiles cells as before
 * again, and ends the adapter.  interp may be NULL. */
void debugger_free(Debugger *debugger, Interpreter *interp);

/* The response to one DAP request (a new reference).  interp: the running
 * interpreter, or NULL when none started. */
json_t *debugger_handle(Debugger *debugger, Interpreter *interp, const json_t *request);

#endif
