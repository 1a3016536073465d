// SPDX-License-Identifier: BSD-3-Clause
/* Comms: cnb registers no comm targets, so comm_info lists none, a
 * comm_open for any target is answered with comm_close (as ipykernel does
 * for an unknown target), and comm_msg / comm_close are accepted silently. */
#include "dispatch.h"

#include "log.h"

void handle_comm_info(Channel *channel, const Message *request)
{
    channel_reply(channel, request, "comm_info_reply", json_pack("{s:s, s:{}}", "status", "ok", "comms"));
}

void handle_comm_open(Channel *channel, const Message *request)
{
    const char *comm_id = message_string(request, "comm_id", "");
    log_info("comm_open for unknown target %s: closing it", message_string(request, "target_name", "?"));
    channel_publish(channel, request, "comm_close", json_pack("{s:s, s:{}}", "comm_id", comm_id, "data"));
}

void handle_comm_msg(Channel *channel, const Message *request)
{
    (void)channel;
    log_debug("comm_msg for unknown comm %s", message_string(request, "comm_id", "?"));
}

void handle_comm_close(Channel *channel, const Message *request)
{
    (void)channel;
    log_debug("comm_close for unknown comm %s", message_string(request, "comm_id", "?"));
}
