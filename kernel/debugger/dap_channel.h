// SPDX-License-Identifier: BSD-3-Clause
/* A Debug Adapter Protocol conversation with an adapter process (lldb's
 * lldb-vscode-14): the adapter is started with its stdin and stdout on
 * pipes, and each message is a JSON object behind a `Content-Length: N`
 * header and an empty line.  A reader thread takes the adapter's messages:
 * a response wakes the request that waits for it, an event goes to the
 * event handler. */
#ifndef CNB_DEBUGGER_DAP_CHANNEL_H
#define CNB_DEBUGGER_DAP_CHANNEL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct DapChannel DapChannel;

/* Called on the reader thread with each event (borrowed), and once with
 * NULL when the adapter has gone (exited, or its pipe closed). */
typedef void (*DapEventHandler)(void *context, json_t *event);

/* Starts the adapter program.  NULL on failure, with *why (malloc'd). */
DapChannel *dap_channel_start(const char *adapter, DapEventHandler on_event, void *context,
                              char **why);

/* Sends a request (arguments stolen, may be NULL) and waits at most
 * timeout_ms for its response (a new reference).  NULL when the adapter
 * is gone or did not answer in time, with *why (malloc'd). */
json_t *dap_channel_request(DapChannel *channel, const char *command, json_t *arguments,
                            int timeout_ms, char **why);

/* Whether the adapter still runs. */
bool dap_channel_alive(DapChannel *channel);
/* The adapter's process id. */
pid_t dap_channel_pid(const DapChannel *channel);

/* Closes the adapter's input (it ends), waits a moment, kills it if it
 * has not, and joins the reader thread.  The event handler is not called
 * any more once this returns. */
void dap_channel_stop(DapChannel *channel);

#endif
