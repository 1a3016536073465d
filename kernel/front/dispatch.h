// SPDX-License-Identifier: BSD-3-Clause
/* The table of request handlers, one per msg_type (as in xeus): the shell
 * and control loops look a request up here and call its handler between
 * status busy and idle. */
#ifndef CNB_FRONT_DISPATCH_H
#define CNB_FRONT_DISPATCH_H

#include "channel.h"

typedef void (*RequestHandler)(Channel *channel, const Message *request);

/* Handles one decoded request on channel (unknown types are logged and
 * ignored, as the protocol asks).  on_control: the control channel, which
 * does not run code. */
void dispatch_request(Channel *channel, const Message *request, bool on_control);

/* The handlers, each in the file of its topic. */
/* kernel_info_reply content (also for tests). */
json_t *kernel_info_content(const char *kernel_name);

void handle_kernel_info(Channel *channel, const Message *request);
void handle_execute(Channel *channel, const Message *request);
void handle_complete(Channel *channel, const Message *request);
void handle_inspect(Channel *channel, const Message *request);
void handle_is_complete(Channel *channel, const Message *request);
void handle_history(Channel *channel, const Message *request);
void handle_comm_info(Channel *channel, const Message *request);
void handle_comm_open(Channel *channel, const Message *request);
void handle_comm_msg(Channel *channel, const Message *request);
void handle_comm_close(Channel *channel, const Message *request);
void handle_shutdown(Channel *channel, const Message *request);
void handle_interrupt(Channel *channel, const Message *request);
void handle_connect(Channel *channel, const Message *request);
void handle_debug_request(Channel *channel, const Message *request);

#endif
