// SPDX-License-Identifier: BSD-3-Clause
/* Session: headers, signing, and multipart ZeroMQ I/O (see session.h). */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <uuid/uuid.h>
#include <zmq.h>

#include "log.h"

int session_init(Session *session, const char *key)
{
    uuid_t uuid;
    uuid_generate(uuid);
    uuid_unparse_lower(uuid, session->id);
    session->signer = signer_new(key);
    return session->signer ? 0 : -1;
}

void session_clear(Session *session)
{
    signer_free(session->signer);
    session->signer = NULL;
}

static json_t *iso_date_now(void)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    struct tm utc;
    gmtime_r(&now.tv_sec, &utc);
    char text[64], date[40];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(text, sizeof text, "%s.%06ldZ", date, (long)now.tv_usec);
    return json_string(text);
}

json_t *session_header(const Session *session, const char *msg_type)
{
    uuid_t uuid;
    char msg_id[37];
    uuid_generate(uuid);
    uuid_unparse_lower(uuid, msg_id);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "msg_id", msg_id, "session", session->id,
                     "username", "cnb", "date", iso_date_now(), "msg_type", msg_type,
                     "version", PROTOCOL_VERSION);
}

int session_send(const Session *session, void *socket, const Frame *ids, size_t n_ids,
                 const char *msg_type, const json_t *parent, json_t *content)
{
    /* A NULL content is a json_pack that failed (e.g. text that is not
     * UTF-8): send nothing rather than a message without its fields. */
    if (!content) {
        log_error("cannot build the content of a %s message; not sent", msg_type);
        return -1;
    }
    Message msg = {
        .ids = (Frame *)ids, .n_ids = n_ids,
        .header = session_header(session, msg_type),
        .parent_header = (json_t *)parent, .metadata = NULL, .content = content,
    };
    size_t n = 0;
    Frame *frames = msg.header ? message_encode(&msg, session->signer, &n) : NULL;
    json_decref(msg.header);
    json_decref(content);
    if (!frames) {
        log_error("cannot encode a %s message", msg_type);
        return -1;
    }
    log_debug("send %s", msg_type);
    int rc = frames_send(socket, frames, n);
    frames_free(frames, n);
    return rc;
}

int frames_send(void *socket, const Frame *frames, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int flags = i + 1 < n ? ZMQ_SNDMORE : 0;
        if (zmq_send(socket, frames[i].data, frames[i].size, flags) < 0) {
            if (errno != ETERM)
                log_warn("send failed: %s", zmq_strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int frame_append(Frame **list, size_t *count, size_t *capacity, zmq_msg_t *part)
{
    if (*count == *capacity) {
        size_t bigger = *capacity ? 2 * *capacity : 8;
        Frame *grown = realloc(*list, bigger * sizeof **list);
        if (!grown)
            return -1;
        *list = grown;
        *capacity = bigger;
    }
    size_t size = zmq_msg_size(part);
    unsigned char *data = malloc(size + 1);
    if (!data)
        return -1;
    memcpy(data, zmq_msg_data(part), size);
    data[size] = '\0';
    (*list)[(*count)++] = (Frame){data, size};
    return 0;
}

int frames_recv(void *socket, Frame **frames, size_t *n)
{
    size_t count = 0, capacity = 0;
    Frame *list = NULL;
    int more = 1, oom = 0;
    while (more) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, socket, 0) < 0) {
            zmq_msg_close(&part);
            frames_free(list, count);
            return -1;
        }
        /* Out of memory: keep reading the parts so the socket stays in step. */
        if (!oom && frame_append(&list, &count, &capacity, &part) < 0)
            oom = 1;
        more = zmq_msg_more(&part);
        zmq_msg_close(&part);
    }
    if (oom) {
        log_error("out of memory receiving a message");
        frames_free(list, count);
        list = NULL;
        count = 0;
    }
    *frames = list;
    *n = count;
    return 0;
}

int session_recv(const Session *session, void *socket, const char *channel, Message *msg)
{
    Frame *frames;
    size_t n;
    if (frames_recv(socket, &frames, &n) < 0)
        return -1;
    const char *why = "out of memory";
    int rc = frames ? message_decode(frames, n, session->signer, msg, &why) : -1;
    frames_free(frames, n);
    if (rc < 0) {
        log_warn("%s: dropped a message: %s", channel, why);
        return 1;
    }
    log_debug("%s: recv %s", channel, message_type(msg));
    return 0;
}
