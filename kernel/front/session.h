// SPDX-License-Identifier: BSD-3-Clause
/* A kernel session: its id, its signer, and the sending and receiving of
 * whole messages on ZeroMQ sockets.  Shared read-only by all threads (each
 * thread sends only on sockets it owns). */
#ifndef CNB_FRONT_SESSION_H
#define CNB_FRONT_SESSION_H

#include "message.h"

typedef struct Session {
    Signer *signer;
    char id[37];              /* uuid of this kernel session */
} Session;

int session_init(Session *session, const char *key);
void session_clear(Session *session);

/* A new header: msg_id, session, username, date (ISO 8601 UTC), msg_type, version. */
json_t *session_header(const Session *session, const char *msg_type);

/* Sends msg_type with content (reference stolen) to ids over socket, with
 * parent (the request's header, may be NULL) as parent_header.
 * Returns 0, -1 on failure (logged). */
int session_send(const Session *session, void *socket, const Frame *ids, size_t n_ids,
                 const char *msg_type, const json_t *parent, json_t *content);

/* Multipart send / receive of raw frames.  frames_recv returns 0, or -1 when
 * the socket failed (errno ETERM when the context is shutting down). */
int frames_send(void *socket, const Frame *frames, size_t n);
int frames_recv(void *socket, Frame **frames, size_t *n);

/* Receives one message: 0 on success, 1 when a malformed or wrongly signed
 * message was dropped (logged with the channel's name and why, never with
 * the key), -1 when the socket failed. */
int session_recv(const Session *session, void *socket, const char *channel, Message *msg);

#endif
