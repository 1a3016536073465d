// SPDX-License-Identifier: BSD-3-Clause
/* The connection file Jupyter hands a kernel (`-f FILE`): transport, address,
 * the five ports and the signing key. */
#ifndef CNB_FRONT_CONNECTION_H
#define CNB_FRONT_CONNECTION_H

typedef enum ChannelKind { CHANNEL_SHELL, CHANNEL_IOPUB, CHANNEL_STDIN, CHANNEL_CONTROL,
                           CHANNEL_HB, CHANNEL_COUNT } ChannelKind;

typedef struct ConnectionInfo {
    char transport[8];          /* "tcp" or "ipc" */
    char *ip;                   /* tcp: address; ipc: path prefix */
    int ports[CHANNEL_COUNT];
    char *key;                  /* "" when messages are not signed */
    char *kernel_name;          /* may be "" */
} ConnectionInfo;

/* Parse the JSON text of a connection file.  Returns 0, or -1 with a
 * message in *why (static string or the JSON error, valid until the next call). */
int connection_parse(const char *text, ConnectionInfo *info, const char **why);
/* Read and parse a connection file. */
int connection_load(const char *path, ConnectionInfo *info, const char **why);
void connection_clear(ConnectionInfo *info);

/* ZeroMQ endpoint of one channel: "tcp://IP:PORT" or "ipc://PATH-PORT"
 * (jupyter_client's convention).  malloc'd. */
char *connection_endpoint(const ConnectionInfo *info, ChannelKind channel);
const char *channel_name(ChannelKind channel);

#endif
