// SPDX-License-Identifier: BSD-3-Clause
/* stdin for cells: a fopencookie stream whose reads ask the frontend for a
 * line (input_request), so scanf, fgets and getchar just work, and so does
 * read(0, ...): cells are linked with --wrap=read (and its _FORTIFY_SOURCE
 * form __read_chk), which lands in the same line buffer.  When the
 * frontend does not allow input, the read says why on stderr and returns
 * end of file instead of hanging. */
#include "worker.h"

#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* What the frontend sent and the stream has not taken yet. */
static char *pending;
static size_t pending_size, pending_used;

/* Asks for a line; returns it with its newline (malloc'd), or NULL. */
static char *request_line(void)
{
    json_t *request = json_pack("{s:s, s:s, s:b}", "op", "input_request", "prompt", "",
                                "password", 0);
    worker_protocol_enter();
    int rc = request ? worker_send(request) : -1;
    json_decref(request);
    json_t *reply = NULL;
    while (rc == 0 && (reply = worker_receive()) != NULL) {
        const char *op = json_string_value(json_object_get(reply, "op"));
        if (op && strcmp(op, "input_reply") == 0)
            break;
        json_decref(reply);
        reply = NULL;
    }
    char *line = NULL;
    const char *value = json_string_value(json_object_get(reply, "value"));
    if (value && asprintf(&line, "%s\n", value) < 0)
        line = NULL;
    const char *reason = json_string_value(json_object_get(reply, "reason"));
    if (!value && reason)
        fprintf(stderr, "cnb: stdin: %s\n", reason);
    json_decref(reply);
    worker_protocol_leave();
    return line;
}

static ssize_t cookie_read(void *cookie, char *buffer, size_t size)
{
    (void)cookie;
    if (pending_used == pending_size) {
        free(pending);
        pending = request_line();
        pending_size = pending ? strlen(pending) : 0;
        pending_used = 0;
        if (!pending) {
            /* An interrupt while waiting for input stops the cell. */
            if (worker_cell_running() && worker_interrupt_pending())
                worker_unwind(CELL_INTERRUPT, 0);
            return 0;
        }
    }
    size_t n = pending_size - pending_used;
    if (n > size)
        n = size;
    memcpy(buffer, pending + pending_used, n);
    pending_used += n;
    return (ssize_t)n;
}

ssize_t __wrap_read(int fd, void *buffer, size_t size);
ssize_t __wrap___read_chk(int fd, void *buffer, size_t size, size_t buffer_size);
_Noreturn void __chk_fail(void);

ssize_t __wrap_read(int fd, void *buffer, size_t size)
{
    if (fd == STDIN_FILENO && worker_cell_running())
        return size == 0 ? 0 : cookie_read(NULL, buffer, size);
    return read(fd, buffer, size);
}

ssize_t __wrap___read_chk(int fd, void *buffer, size_t size, size_t buffer_size)
{
    if (size > buffer_size)
        __chk_fail();       /* as glibc's own check: a BufferOverflow in the cell */
    return __wrap_read(fd, buffer, size);
}

int worker_stdin_install(void)
{
    cookie_io_functions_t functions = {.read = cookie_read};
    FILE *stream = fopencookie(NULL, "r", functions);
    if (!stream)
        return -1;
    /* Line by line, as a terminal would deliver it. */
    setvbuf(stream, NULL, _IOLBF, 0);
    stdin = stream;
    return 0;
}

/* Each cell starts with fresh input: what an earlier cell's scanf left
 * unread (a newline, say) is dropped, as a new input() would. */
void worker_stdin_reset(void)
{
    free(pending);
    pending = NULL;
    pending_size = pending_used = 0;
    __fpurge(stdin);
    clearerr(stdin);
}
