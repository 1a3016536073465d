// SPDX-License-Identifier: BSD-3-Clause
/* input_request / input_reply on the stdin socket (see stdin_channel.h). */
#include "stdin_channel.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "log.h"

/* Replies to earlier, abandoned requests must not answer this one.  They
 * are decoded all the same, so that a forged one is logged as such. */
static void drop_stale_replies(Kernel *kernel, void *socket)
{
    zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, 0) > 0 && (item.revents & ZMQ_POLLIN)) {
        Message stale;
        int rc = session_recv(&kernel->session, socket, "stdin", &stale);
        if (rc < 0)
            return;
        if (rc == 0) {
            log_debug("stdin: dropped a stale %s", message_type(&stale));
            message_clear(&stale);
        }
    }
}

static char *reply_value(const Message *reply)
{
    if (strcmp(message_type(reply), "input_reply") != 0) {
        log_warn("stdin: unexpected %s", message_type(reply));
        return NULL;
    }
    return strdup(message_string(reply, "value", ""));
}

char *stdin_request_input(Kernel *kernel, const Message *parent, const char *prompt, bool password)
{
    void *socket = kernel->sockets[CHANNEL_STDIN];
    int interrupts = atomic_load(&kernel->interrupts);
    drop_stale_replies(kernel, socket);
    json_t *content = json_pack("{s:s, s:b}", "prompt", prompt ? prompt : "", "password", password);
    if (session_send(&kernel->session, socket, parent->ids, parent->n_ids, "input_request",
                     parent->header, content) < 0)
        return NULL;
    /* Poll in short steps so an interrupt or a shutdown ends the wait. */
    while (!atomic_load(&kernel->stopping) && atomic_load(&kernel->interrupts) == interrupts) {
        zmq_pollitem_t item = {socket, 0, ZMQ_POLLIN, 0};
        int ready = zmq_poll(&item, 1, 100);
        if (ready < 0)
            return NULL;
        if (ready == 0)
            continue;
        Message reply;
        int rc = session_recv(&kernel->session, socket, "stdin", &reply);
        if (rc < 0)
            return NULL;
        if (rc > 0)
            continue;
        char *value = reply_value(&reply);
        message_clear(&reply);
        if (value)
            return value;
    }
    log_info("stdin: input request abandoned");
    return NULL;
}
