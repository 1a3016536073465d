// SPDX-License-Identifier: BSD-3-Clause
/* The cell's busy kept in view (see kernel_status.h). */
#include "kernel_status.h"

#include <string.h>

static bool is_status_topic(const Frame *topic)
{
    static const char suffix[] = ".status";
    size_t n = sizeof suffix - 1;
    return topic->size > n && memcmp(topic->data + topic->size - n, suffix, n) == 0;
}

static const char *header_type(const json_t *header)
{
    const char *type = json_string_value(json_object_get(header, "msg_type"));
    return type ? type : "";
}

const json_t *kernel_status_follow(KernelStatus *status, const Frame *frames, size_t n_frames,
                                   const Signer *signer)
{
    if (n_frames == 0 || !is_status_topic(&frames[0]))
        return NULL;
    Message msg;
    const char *why;
    if (message_decode(frames, n_frames, signer, &msg, &why) < 0)
        return NULL;
    const char *state = message_string(&msg, "execution_state", "");
    const json_t *resend = NULL;
    if (strcmp(header_type(msg.parent_header), "execute_request") == 0) {
        json_decref(status->cell);
        status->cell = strcmp(state, "busy") == 0 ? json_incref(msg.parent_header) : NULL;
    } else if (status->cell && strcmp(state, "idle") == 0) {
        resend = status->cell;
    }
    message_clear(&msg);
    return resend;
}

void kernel_status_clear(KernelStatus *status)
{
    json_decref(status->cell);
    status->cell = NULL;
}
