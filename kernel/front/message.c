// SPDX-License-Identifier: BSD-3-Clause
/* Encoding and decoding of Jupyter wire messages (see message.h). */
#include "message.h"

#include <stdlib.h>
#include <string.h>

static int frame_is_delimiter(const Frame *frame)
{
    size_t n = strlen(MESSAGE_DELIMITER);
    return frame->size == n && memcmp(frame->data, MESSAGE_DELIMITER, n) == 0;
}

static int frame_set(Frame *frame, const void *data, size_t size)
{
    /* One spare byte keeps a NUL after the data for JSON parsing and logging. */
    frame->data = malloc(size + 1);
    if (!frame->data)
        return -1;
    if (size)
        memcpy(frame->data, data, size);
    frame->data[size] = '\0';
    frame->size = size;
    return 0;
}

Frame *frames_copy(const Frame *frames, size_t n)
{
    Frame *copy = calloc(n ? n : 1, sizeof *copy);
    for (size_t i = 0; copy && i < n; i++)
        if (frame_set(&copy[i], frames[i].data, frames[i].size) < 0) {
            frames_free(copy, i);
            return NULL;
        }
    return copy;
}

void frames_free(Frame *frames, size_t n)
{
    if (!frames)
        return;
    for (size_t i = 0; i < n; i++)
        free(frames[i].data);
    free(frames);
}

static json_t *parse_object(const Frame *frame)
{
    json_t *value = json_loadb((const char *)frame->data, frame->size, JSON_DECODE_ANY, NULL);
    if (value && !json_is_object(value)) {
        json_decref(value);
        return NULL;
    }
    return value;
}

static int check_header(const json_t *header, const char **why)
{
    if (!json_is_string(json_object_get(header, "msg_type"))) {
        *why = "header has no msg_type";
        return -1;
    }
    if (!json_is_string(json_object_get(header, "msg_id"))) {
        *why = "header has no msg_id";
        return -1;
    }
    return 0;
}

static int decode_json(const Frame *parts, Message *out, const char **why)
{
    json_t **slots[4] = {&out->header, &out->parent_header, &out->metadata, &out->content};
    static const char *names[4] = {"invalid JSON in header", "invalid JSON in parent_header",
                                   "invalid JSON in metadata", "invalid JSON in content"};
    for (int i = 0; i < 4; i++) {
        *slots[i] = parse_object(&parts[i]);
        if (!*slots[i]) {
            *why = names[i];
            return -1;
        }
    }
    return check_header(out->header, why);
}

int message_decode(const Frame *frames, size_t n_frames, const Signer *signer,
                   Message *out, const char **why)
{
    memset(out, 0, sizeof *out);
    size_t delim = 0;
    while (delim < n_frames && !frame_is_delimiter(&frames[delim]))
        delim++;
    if (delim == n_frames) {
        *why = "no <IDS|MSG> delimiter";
        return -1;
    }
    if (n_frames - delim < 6) {
        *why = "fewer than five frames after the delimiter";
        return -1;
    }
    const Frame *sig = &frames[delim + 1], *parts = &frames[delim + 2];
    SignedPart signed_parts[4];
    for (int i = 0; i < 4; i++)
        signed_parts[i] = (SignedPart){parts[i].data, parts[i].size};
    if (!signer_verify(signer, sig->data, sig->size, signed_parts, 4)) {
        *why = "bad signature";
        return -1;
    }
    if (decode_json(parts, out, why) < 0)
        goto fail;
    out->n_ids = delim;
    out->n_buffers = n_frames - delim - 6;
    out->ids = frames_copy(frames, delim);
    out->buffers = frames_copy(parts + 4, out->n_buffers);
    if (out->ids && out->buffers)
        return 0;
    *why = "out of memory";
fail:
    message_clear(out);
    return -1;
}

static char *dump(const json_t *value)
{
    if (!value)
        return strdup("{}");
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}

Frame *message_encode(const Message *msg, const Signer *signer, size_t *n_frames)
{
    size_t n = msg->n_ids + 6 + msg->n_buffers;
    Frame *frames = calloc(n, sizeof *frames);
    char *json[4] = {dump(msg->header), dump(msg->parent_header), dump(msg->metadata),
                     dump(msg->content)};
    char hex[SIGNATURE_HEX_SIZE + 1];
    SignedPart parts[4];
    int ok = frames != NULL;
    for (int i = 0; i < 4; i++) {
        ok = ok && json[i];
        parts[i] = (SignedPart){json[i], json[i] ? strlen(json[i]) : 0};
    }
    ok = ok && signer_sign(signer, parts, 4, hex) == 0;
    size_t k = 0;
    for (size_t i = 0; ok && i < msg->n_ids; i++, k++)
        ok = frame_set(&frames[k], msg->ids[i].data, msg->ids[i].size) == 0;
    ok = ok && frame_set(&frames[k++], MESSAGE_DELIMITER, strlen(MESSAGE_DELIMITER)) == 0;
    ok = ok && frame_set(&frames[k++], hex, strlen(hex)) == 0;
    for (int i = 0; ok && i < 4; i++, k++) {
        /* The frame takes over the JSON text instead of copying it. */
        frames[k] = (Frame){(unsigned char *)json[i], parts[i].size};
        json[i] = NULL;
    }
    for (size_t i = 0; ok && i < msg->n_buffers; i++, k++)
        ok = frame_set(&frames[k], msg->buffers[i].data, msg->buffers[i].size) == 0;
    for (int i = 0; i < 4; i++)
        free(json[i]);
    if (!ok) {
        frames_free(frames, n);
        return NULL;
    }
    *n_frames = n;
    return frames;
}

void message_clear(Message *msg)
{
    frames_free(msg->ids, msg->n_ids);
    frames_free(msg->buffers, msg->n_buffers);
    json_decref(msg->header);
    json_decref(msg->parent_header);
    json_decref(msg->metadata);
    json_decref(msg->content);
    memset(msg, 0, sizeof *msg);
}

int message_copy(const Message *src, Message *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->n_ids = src->n_ids;
    dst->n_buffers = src->n_buffers;
    dst->ids = frames_copy(src->ids, src->n_ids);
    dst->buffers = frames_copy(src->buffers, src->n_buffers);
    dst->header = json_deep_copy(src->header);
    dst->parent_header = json_deep_copy(src->parent_header);
    dst->metadata = json_deep_copy(src->metadata);
    dst->content = json_deep_copy(src->content);
    if (dst->ids && dst->buffers && dst->header && dst->parent_header && dst->metadata && dst->content)
        return 0;
    message_clear(dst);
    return -1;
}

const char *message_type(const Message *msg)
{
    const char *type = json_string_value(json_object_get(msg->header, "msg_type"));
    return type ? type : "";
}

int message_bool(const Message *msg, const char *key, int fallback)
{
    json_t *value = json_object_get(msg->content, key);
    return json_is_boolean(value) ? json_is_true(value) : fallback;
}

long long message_int(const Message *msg, const char *key, long long fallback)
{
    json_t *value = json_object_get(msg->content, key);
    if (json_is_integer(value))
        return json_integer_value(value);
    if (json_is_real(value))
        return (long long)json_real_value(value);
    return fallback;
}

const char *message_string(const Message *msg, const char *key, const char *fallback)
{
    const char *value = json_string_value(json_object_get(msg->content, key));
    return value ? value : fallback;
}
