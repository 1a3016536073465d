// SPDX-License-Identifier: BSD-3-Clause
/* The adapter process and its DAP framing (see dap_channel.h). */
#include "dap_channel.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* A response that arrived and waits for its request to take it. */
typedef struct Arrived {
    long request_seq;
    json_t *response;
    struct Arrived *next;
} Arrived;

struct DapChannel {
    pid_t pid;
    int fd;                     /* our end of the adapter's stdin and stdout */
    pthread_t reader;
    DapEventHandler on_event;
    void *context;
    pthread_mutex_t write_lock;
    pthread_mutex_t lock;       /* arrived, dead, next_seq */
    pthread_cond_t changed;
    Arrived *arrived;
    bool dead;
    long next_seq;
};

static char *why_text(const char *format, const char *detail)
{
    char *why = NULL;
    if (asprintf(&why, format, detail) < 0)
        return NULL;
    return why;
}

/* ---- the adapter process ---- */

/* A socket pair rather than pipes: writes to a dead adapter fail with
 * EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE in the kernel.  The
 * adapter gets a process group of its own, so a SIGINT to the kernel's
 * group (jupyter_client's "signal" interrupt) does not end it. */
static pid_t spawn_adapter(const char *adapter, int child_fd, char **why)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, child_fd, 1);
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                              POSIX_SPAWN_SETPGROUP);
    char *argv[] = {(char *)adapter, NULL};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, adapter, &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) {
        char *detail = why_text("%s", strerror(rc));
        *why = NULL;
        if (detail && asprintf(why, "cannot start the debug adapter %s: %s", adapter, detail) < 0)
            *why = NULL;
        free(detail);
        return -1;
    }
    return pid;
}

/* ---- framing ---- */

typedef struct Reader {
    char buffer[65536];
    size_t start, end;
} Reader;

static int fill(int fd, Reader *in)
{
    if (in->start > 0) {
        memmove(in->buffer, in->buffer + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->end == sizeof in->buffer)
        return -1;
    ssize_t n;
    do
        n = read(fd, in->buffer + in->end, sizeof in->buffer - in->end);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    in->end += (size_t)n;
    return 0;
}

/* The body's length from the header block (headers end with an empty line). */
static long read_header(int fd, Reader *in)
{
    for (;;) {
        char *start = in->buffer + in->start;
        char *end = memmem(start, in->end - in->start, "\r\n\r\n", 4);
        if (end) {
            long length = -1;
            for (char *line = start; line < end;) {
                char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
                if (strncasecmp(line, "Content-Length:", 15) == 0)
                    length = strtol(line + 15, NULL, 10);
                line = eol + 2;
            }
            in->start = (size_t)(end + 4 - in->buffer);
            return length;
        }
        if (fill(fd, in) != 0)
            return -1;
    }
}

/* One message's body (malloc'd, length bytes), or NULL at the end. */
static char *read_body(int fd, Reader *in, size_t length)
{
    char *body = malloc(length + 1);
    size_t have = 0;
    while (body && have < length) {
        if (in->start == in->end && fill(fd, in) != 0)
            break;
        size_t take = in->end - in->start;
        if (take > length - have)
            take = length - have;
        memcpy(body + have, in->buffer + in->start, take);
        in->start += take;
        have += take;
    }
    if (!body || have < length) {
        free(body);
        return NULL;
    }
    body[length] = '\0';
    return body;
}

static json_t *read_message(int fd, Reader *in)
{
    for (;;) {
        long length = read_header(fd, in);
        if (length < 0)
            return NULL;
        char *body = read_body(fd, in, (size_t)length);
        if (!body)
            return NULL;
        json_t *message = json_loadb(body, (size_t)length, 0, NULL);
        free(body);
        if (json_is_object(message))
            return message;
        json_decref(message);   /* not a message: skip it */
    }
}

static int send_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

static int write_message(DapChannel *channel, json_t *message)
{
    char *body = json_dumps(message, JSON_COMPACT);
    char header[64];
    int rc = -1;
    if (body) {
        size_t size = strlen(body);
        int n = snprintf(header, sizeof header, "Content-Length: %zu\r\n\r\n", size);
        pthread_mutex_lock(&channel->write_lock);
        rc = send_all(channel->fd, header, (size_t)n) == 0 && send_all(channel->fd, body, size) == 0
                 ? 0 : -1;
        pthread_mutex_unlock(&channel->write_lock);
    }
    free(body);
    return rc;
}

/* ---- the reader thread ---- */

static void deliver_response(DapChannel *channel, json_t *response)
{
    Arrived *arrived = malloc(sizeof *arrived);
    if (!arrived) {
        json_decref(response);
        return;
    }
    arrived->request_seq = (long)json_integer_value(json_object_get(response, "request_seq"));
    arrived->response = response;
    pthread_mutex_lock(&channel->lock);
    arrived->next = channel->arrived;
    channel->arrived = arrived;
    pthread_cond_broadcast(&channel->changed);
    pthread_mutex_unlock(&channel->lock);
}

static void *reader_thread(void *arg)
{
    DapChannel *channel = arg;
    Reader *in = malloc(sizeof *in);
    if (in) {
        in->start = in->end = 0;
        json_t *message;
        while ((message = read_message(channel->fd, in)) != NULL) {
            const char *type = json_string_value(json_object_get(message, "type"));
            if (type && strcmp(type, "response") == 0) {
                deliver_response(channel, message);
                continue;
            }
            if (type && strcmp(type, "event") == 0)
                channel->on_event(channel->context, message);
            json_decref(message);
        }
        free(in);
    }
    pthread_mutex_lock(&channel->lock);
    channel->dead = true;
    pthread_cond_broadcast(&channel->changed);
    pthread_mutex_unlock(&channel->lock);
    channel->on_event(channel->context, NULL);
    return NULL;
}

/* ---- the interface ---- */

DapChannel *dap_channel_start(const char *adapter, DapEventHandler on_event, void *context,
                              char **why)
{
    *why = NULL;
    if (access(adapter, X_OK) != 0) {
        *why = why_text("the debug adapter %s is not installed (Debian: apt-get install lldb-14)",
                        adapter);
        return NULL;
    }
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        *why = why_text("cannot make the debug adapter's socket: %s", strerror(errno));
        return NULL;
    }
    DapChannel *channel = calloc(1, sizeof *channel);
    pid_t pid = channel ? spawn_adapter(adapter, fds[1], why) : -1;
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        free(channel);
        return NULL;
    }
    channel->pid = pid;
    channel->fd = fds[0];
    channel->on_event = on_event;
    channel->context = context;
    channel->next_seq = 1;
    pthread_mutex_init(&channel->write_lock, NULL);
    pthread_mutex_init(&channel->lock, NULL);
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&channel->changed, &attributes);
    pthread_condattr_destroy(&attributes);
    if (pthread_create(&channel->reader, NULL, reader_thread, channel) != 0) {
        *why = why_text("cannot start the debug adapter's reader: %s", "no thread");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fds[0]);
        free(channel);
        return NULL;
    }
    return channel;
}

static json_t *take_arrived(DapChannel *channel, long seq)
{
    for (Arrived **link = &channel->arrived; *link; link = &(*link)->next) {
        if ((*link)->request_seq == seq) {
            Arrived *found = *link;
            json_t *response = found->response;
            *link = found->next;
            free(found);
            return response;
        }
    }
    return NULL;
}

static struct timespec deadline_after(int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    return deadline;
}

json_t *dap_channel_request(DapChannel *channel, const char *command, json_t *arguments,
                            int timeout_ms, char **why)
{
    *why = NULL;
    pthread_mutex_lock(&channel->lock);
    long seq = channel->next_seq++;
    bool dead = channel->dead;
    pthread_mutex_unlock(&channel->lock);
    json_t *request = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)seq, "type", "request",
                                "command", command);
    if (request && arguments)
        json_object_set_new(request, "arguments", arguments);
    else
        json_decref(arguments);
    if (dead || !request || write_message(channel, request) != 0) {
        json_decref(request);
        *why = why_text("the debug adapter has gone (%s not sent)", command);
        return NULL;
    }
    json_decref(request);
    struct timespec deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&channel->lock);
    json_t *response;
    int rc = 0;
    while (!(response = take_arrived(channel, seq)) && !channel->dead && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&channel->changed, &channel->lock, &deadline);
    pthread_mutex_unlock(&channel->lock);
    if (!response)
        *why = why_text(rc == ETIMEDOUT ? "the debug adapter did not answer %s in time"
                                        : "the debug adapter has gone (no answer to %s)", command);
    return response;
}

bool dap_channel_alive(DapChannel *channel)
{
    pthread_mutex_lock(&channel->lock);
    bool alive = !channel->dead;
    pthread_mutex_unlock(&channel->lock);
    return alive;
}

pid_t dap_channel_pid(const DapChannel *channel)
{
    return channel->pid;
}

/* The adapter ends when its input does; one that does not within a
 * second is killed. */
static void end_adapter(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) != 0)
            return;
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

void dap_channel_stop(DapChannel *channel)
{
    if (!channel)
        return;
    shutdown(channel->fd, SHUT_WR);
    end_adapter(channel->pid);
    /* The adapter is gone: its children may still hold the socket open. */
    shutdown(channel->fd, SHUT_RDWR);
    pthread_join(channel->reader, NULL);
    close(channel->fd);
    while (channel->arrived) {
        Arrived *next = channel->arrived->next;
        json_decref(channel->arrived->response);
        free(channel->arrived);
        channel->arrived = next;
    }
    pthread_mutex_destroy(&channel->write_lock);
    pthread_mutex_destroy(&channel->lock);
    pthread_cond_destroy(&channel->changed);
    free(channel);
}
