// SPDX-License-Identifier: BSD-3-Clause
/* Framed messages between the interpreter and its worker over a Unix
 * socket (the worker's fd 3): a 4-byte big-endian length, then that many
 * bytes of JSON.  JSON keeps each message self-describing ("op": "run",
 * "display", "input_request", "done", ...) and easy to extend. */
#ifndef CNB_WIRE_FRAME_H
#define CNB_WIRE_FRAME_H

#include <jansson.h>
#include <stddef.h>

/* The worker's end of the channel. */
#define WORKER_CHANNEL_FD 3
/* Largest frame accepted (display data of big images fits). */
#define FRAME_MAX (256u << 20)

/* Sends message (not stolen); 0, or -1 when the peer is gone. */
int frame_send(int fd, json_t *message);
/* Sends size bytes of JSON text as one frame; allocates nothing (the
 * worker reports a damaged heap with it). */
int frame_send_text(int fd, const char *text, size_t size);
/* Sends and releases message. */
int frame_send_new(int fd, json_t *message);
/* Blocks for the next message; NULL on end of file or a broken frame. */
json_t *frame_receive(int fd);

#endif
