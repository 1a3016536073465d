// SPDX-License-Identifier: BSD-3-Clause
/* Jupyter wire messages: the frames
 *     identities... "<IDS|MSG>" signature header parent_header metadata content buffers...
 * and their decoded form.  Decoding checks framing, signature and JSON so
 * that anything malformed is dropped before it reaches a handler. */
#ifndef CNB_FRONT_MESSAGE_H
#define CNB_FRONT_MESSAGE_H

#include <jansson.h>
#include <stddef.h>

#include "signature.h"

#define MESSAGE_DELIMITER "<IDS|MSG>"
#define PROTOCOL_VERSION "5.3"

typedef struct Frame { unsigned char *data; size_t size; } Frame;

typedef struct Message {
    Frame *ids;               /* routing identities (or the iopub topic) */
    size_t n_ids;
    json_t *header, *parent_header, *metadata, *content;
    Frame *buffers;
    size_t n_buffers;
} Message;

/* Decodes frames into *out (which owns copies).  Returns 0, or -1 with the
 * reason in *why (a static string); *out is then empty. */
int message_decode(const Frame *frames, size_t n_frames, const Signer *signer,
                   Message *out, const char **why);
/* Encodes msg, signing with signer.  Returns malloc'd frames (free with
 * frames_free) and their count in *n_frames, or NULL. */
Frame *message_encode(const Message *msg, const Signer *signer, size_t *n_frames);
void message_clear(Message *msg);
/* Deep copy (frames and JSON); returns 0 or -1. */
int message_copy(const Message *src, Message *dst);

/* header.msg_type, or "" */
const char *message_type(const Message *msg);
/* content[key] as bool/int/string with a default when missing or mistyped. */
int message_bool(const Message *msg, const char *key, int fallback);
long long message_int(const Message *msg, const char *key, long long fallback);
const char *message_string(const Message *msg, const char *key, const char *fallback);

Frame *frames_copy(const Frame *frames, size_t n);
void frames_free(Frame *frames, size_t n);

#endif
