// SPDX-License-Identifier: BSD-3-Clause
/* The publisher's status follower (kernel_status.h): while a cell runs,
 * the idle of another request is followed by "busy" again for the cell;
 * before and after the cell, and for non-status messages, nothing is added. */
#include <stdlib.h>
#include <string.h>

#include "kernel_status.h"
#include "message.h"
#include "tap.h"

#define KEY "status-test-key"

/* A status message as the front publishes it, parented by a request. */
static Frame *status_frames(const Signer *signer, const char *parent_type, const char *parent_id,
                            const char *state, size_t *n)
{
    static char topic[] = "kernel.session.status";
    Frame ids = {(unsigned char *)topic, strlen(topic)};
    json_t *parent = json_pack("{s:s, s:s}", "msg_id", parent_id, "msg_type", parent_type);
    Message msg = {.ids = &ids, .n_ids = 1,
                   .header = json_pack("{s:s, s:s}", "msg_id", "h", "msg_type", "status"),
                   .parent_header = parent, .metadata = json_object(),
                   .content = json_pack("{s:s}", "execution_state", state)};
    Frame *frames = message_encode(&msg, signer, n);
    json_decref(msg.header);
    json_decref(parent);
    json_decref(msg.metadata);
    json_decref(msg.content);
    return frames;
}

/* The msg_id the follower asks to say busy again for, or "" for none. */
static const char *follow(KernelStatus *status, const Signer *signer, const char *parent_type,
                          const char *parent_id, const char *state)
{
    size_t n;
    Frame *frames = status_frames(signer, parent_type, parent_id, state, &n);
    const json_t *cell = kernel_status_follow(status, frames, n, signer);
    frames_free(frames, n);
    const char *id = cell ? json_string_value(json_object_get(cell, "msg_id")) : "";
    return id ? id : "(no msg_id)";
}

int main(void)
{
    Signer *signer = signer_new(KEY);
    KernelStatus status = {0};

    is_str(follow(&status, signer, "complete_request", "c0", "busy"), "", "no cell: a request's busy adds nothing");
    is_str(follow(&status, signer, "complete_request", "c0", "idle"), "", "no cell: a request's idle adds nothing");

    is_str(follow(&status, signer, "execute_request", "cell", "busy"), "", "the cell's busy adds nothing");
    is_str(follow(&status, signer, "complete_request", "c1", "busy"), "", "a request's busy during the cell adds nothing");
    is_str(follow(&status, signer, "complete_request", "c1", "idle"), "cell",
           "a request's idle during the cell: busy again for the cell");
    is_str(follow(&status, signer, "interrupt_request", "i1", "idle"), "cell",
           "a control request's idle too");
    is_str(follow(&status, signer, "execute_request", "cell", "idle"), "", "the cell's idle adds nothing");
    is_str(follow(&status, signer, "inspect_request", "c2", "idle"), "", "after the cell: nothing");

    size_t n;
    Frame *frames = status_frames(signer, "execute_request", "cell2", "busy", &n);
    static char stream_topic[] = "kernel.session.stream";
    free(frames[0].data);
    frames[0] = (Frame){(unsigned char *)strdup(stream_topic), strlen(stream_topic)};
    ok(!kernel_status_follow(&status, frames, n, signer) && !status.cell, "other messages are not followed");
    frames_free(frames, n);

    Signer *other = signer_new("another key");
    follow(&status, signer, "execute_request", "cell3", "busy");
    frames = status_frames(other, "complete_request", "c3", "idle", &n);
    ok(!kernel_status_follow(&status, frames, n, signer), "a message signed with another key is ignored");
    frames_free(frames, n);
    kernel_status_clear(&status);
    ok(!status.cell, "clear forgets the cell");
    signer_free(other);
    signer_free(signer);
    return tap_done();
}
