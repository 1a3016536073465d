// SPDX-License-Identifier: BSD-3-Clause
/* shutdown_request, interrupt_request and the deprecated connect_request. */
#include "dispatch.h"

void handle_shutdown(Channel *channel, const Message *request)
{
    int restart = message_bool(request, "restart", 0);
    channel_reply(channel, request, "shutdown_reply", json_pack("{s:s, s:b}", "status", "ok", "restart", restart));
    /* Older clients listen for the reply on iopub too. */
    channel_publish(channel, request, "shutdown_reply", json_pack("{s:s, s:b}", "status", "ok", "restart", restart));
    kernel_request_stop(channel->kernel);
}

void handle_interrupt(Channel *channel, const Message *request)
{
    kernel_interrupt(channel->kernel);
    channel_reply(channel, request, "interrupt_reply", json_pack("{s:s}", "status", "ok"));
}

void handle_connect(Channel *channel, const Message *request)
{
    const int *ports = channel->kernel->connection.ports;
    channel_reply(channel, request, "connect_reply",
                  json_pack("{s:s, s:i, s:i, s:i, s:i, s:i}", "status", "ok",
                            "shell_port", ports[CHANNEL_SHELL], "iopub_port", ports[CHANNEL_IOPUB],
                            "stdin_port", ports[CHANNEL_STDIN], "control_port", ports[CHANNEL_CONTROL],
                            "hb_port", ports[CHANNEL_HB]));
}
