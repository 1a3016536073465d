// SPDX-License-Identifier: BSD-3-Clause
/* Framed JSON messages; see frame.h. */
#include "frame.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int send_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static int receive_all(int fd, void *data, size_t size)
{
    char *p = data;
    while (size > 0) {
        ssize_t n = recv(fd, p, size, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

int frame_send_text(int fd, const char *text, size_t size)
{
    unsigned char header[4] = {size >> 24, size >> 16, size >> 8, size};
    return send_all(fd, header, sizeof header) == 0 && send_all(fd, text, size) == 0 ? 0 : -1;
}

int frame_send(int fd, json_t *message)
{
    char *text = json_dumps(message, JSON_COMPACT);
    if (!text)
        return -1;
    int rc = frame_send_text(fd, text, strlen(text));
    free(text);
    return rc;
}

int frame_send_new(int fd, json_t *message)
{
    if (!message)
        return -1;
    int rc = frame_send(fd, message);
    json_decref(message);
    return rc;
}

json_t *frame_receive(int fd)
{
    unsigned char header[4];
    if (receive_all(fd, header, sizeof header) != 0)
        return NULL;
    uint32_t size = (uint32_t)header[0] << 24 | (uint32_t)header[1] << 16 |
                    (uint32_t)header[2] << 8 | header[3];
    if (size > FRAME_MAX)
        return NULL;
    char *text = malloc(size + 1);
    if (!text || receive_all(fd, text, size) != 0) {
        free(text);
        return NULL;
    }
    json_t *message = json_loadb(text, size, 0, NULL);
    free(text);
    return message;
}
