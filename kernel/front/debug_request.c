// SPDX-License-Identifier: BSD-3-Clause
/* debug_request (control channel): JupyterLab's debugger.  The request's
 * content is a DAP request; kernel/debugger answers it, and its events go
 * out on iopub as debug_event.  The first request makes the debugger. */
#include "dispatch.h"

#include <pthread.h>
#include <stdlib.h>

#include "debugger/debugger.h"
#include "execution.h"
#include "log.h"

/* Mostly on the adapter's reader thread, sometimes on the control thread:
 * a channel of the debugger's own, used under a lock (ZeroMQ lets a socket
 * change threads across a full memory barrier), opened with the first
 * event and closed when the reader thread ends. */
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;

static void publish_locked(Kernel *kernel, json_t *event)
{
    if (!event) {
        if (kernel->debug_events) {
            channel_close(kernel->debug_events);
            free(kernel->debug_events);
            kernel->debug_events = NULL;
        }
        return;
    }
    if (!kernel->debug_events) {
        Channel *channel = calloc(1, sizeof *channel);
        if (channel && channel_open(channel, kernel, "debug events", NULL) == 0) {
            kernel->debug_events = channel;
        } else {
            free(channel);
            json_decref(event);
            return;
        }
    }
    channel_publish(kernel->debug_events, NULL, "debug_event", event);
}

static void publish_debug_event(void *context, json_t *event)
{
    pthread_mutex_lock(&events_lock);
    publish_locked(context, event);
    pthread_mutex_unlock(&events_lock);
}

void handle_debug_request(Channel *channel, const Message *request)
{
    Kernel *kernel = channel->kernel;
    if (!kernel->debugger)
        kernel->debugger = debugger_new(kernel->work_dir, publish_debug_event, kernel);
    json_t *reply;
    if (kernel->debugger) {
        reply = debugger_handle(kernel->debugger, execution_interpreter(kernel), request->content);
    } else {
        log_error("control: cannot make the debugger");
        reply = json_pack("{s:i, s:s, s:O?, s:b, s:O?, s:s}", "seq", 0, "type", "response",
                          "request_seq", json_object_get(request->content, "seq"), "success", 0,
                          "command", json_object_get(request->content, "command"),
                          "message", "the kernel cannot make its debugger");
    }
    channel_reply(channel, request, "debug_reply", reply);
}
