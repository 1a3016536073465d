// SPDX-License-Identifier: BSD-3-Clause
/* Request dispatch table (see dispatch.h). */
#include "dispatch.h"

#include <string.h>

#include "log.h"

typedef struct Route {
    const char *msg_type;
    RequestHandler handler;
    /* execute_request publishes its own busy/idle from the execution thread,
     * when it actually starts, not when it is queued. */
    bool own_status;
    bool shell_only;
    /* The debugger is one session, served by the control thread alone. */
    bool control_only;
} Route;

static const Route routes[] = {
    {"kernel_info_request", handle_kernel_info, false, false, false},
    {"execute_request", handle_execute, true, true, false},
    {"complete_request", handle_complete, false, false, false},
    {"inspect_request", handle_inspect, false, false, false},
    {"is_complete_request", handle_is_complete, false, false, false},
    {"history_request", handle_history, false, false, false},
    {"comm_info_request", handle_comm_info, false, false, false},
    {"comm_open", handle_comm_open, false, false, false},
    {"comm_msg", handle_comm_msg, false, false, false},
    {"comm_close", handle_comm_close, false, false, false},
    {"shutdown_request", handle_shutdown, false, false, false},
    {"interrupt_request", handle_interrupt, false, false, false},
    {"connect_request", handle_connect, false, false, false},
    {"debug_request", handle_debug_request, false, false, true},
};

static const Route *find_route(const char *msg_type)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].msg_type, msg_type) == 0)
            return &routes[i];
    return NULL;
}

void dispatch_request(Channel *channel, const Message *request, bool on_control)
{
    const char *msg_type = message_type(request);
    const Route *route = find_route(msg_type);
    if (!route || (on_control && route->shell_only) || (!on_control && route->control_only)) {
        log_warn("%s: unknown message type %s, ignored", channel->name, msg_type);
        return;
    }
    if (!json_is_object(request->content)) {
        log_warn("%s: %s without a content object, ignored", channel->name, msg_type);
        return;
    }
    if (route->own_status) {
        route->handler(channel, request);
        return;
    }
    channel_status(channel, request, "busy");
    route->handler(channel, request);
    channel_status(channel, request, "idle");
}
