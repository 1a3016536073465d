// SPDX-License-Identifier: BSD-3-Clause
/* Starting and stopping the worker; see worker_process.h. */
#include "worker_process.h"
#include "wire/frame.h"
#include "worker_environment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The worker is this very executable (cnb-kernel, or a test program whose
 * main also answers --worker); CNB_WORKER names another. */
static char *worker_executable(void)
{
    const char *configured = getenv("CNB_WORKER");
    if (configured && *configured)
        return strdup(configured);
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return strdup(path);
}

static void close_pair(int fds[2])
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
}

static int spawn(WorkerProcess *worker, const char *path, int channel, int out, int err, int control)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    posix_spawn_file_actions_adddup2(&actions, channel, WORKER_CHANNEL_FD);
    posix_spawn_file_actions_adddup2(&actions, control, WORKER_CHANNEL_FD + 1);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    sigdelset(&defaults, SIGKILL);
    sigdelset(&defaults, SIGSTOP);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        POSIX_SPAWN_SETPGROUP);
    char *argv[] = {(char *)path, "--worker", NULL};
    char **env = worker_environment();
    int rc = posix_spawn(&worker->pid, path, &actions, &attr, argv, env ? env : environ);
    free(env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    return rc == 0 ? 0 : -1;
}

/* The worker's ends of its channels: frame socket, stdout, stderr. */
typedef struct Channels {
    int pair[2], out[2], err[2];
} Channels;

static int channels_open(Channels *c)
{
    *c = (Channels){{-1, -1}, {-1, -1}, {-1, -1}};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->pair) == 0 &&
        pipe2(c->out, O_CLOEXEC) == 0 && pipe2(c->err, O_CLOEXEC) == 0)
        return 0;
    close_pair(c->pair);
    close_pair(c->out);
    close_pair(c->err);
    return -1;
}

/* Keeps the front's ends (the worker's are closed: it has its copies). */
static void channels_adopt(WorkerProcess *worker, Channels *c)
{
    close(c->pair[1]);
    close(c->out[1]);
    close(c->err[1]);
    worker->channel = c->pair[0];
    worker->out = c->out[0];
    worker->err = c->err[0];
    fcntl(worker->out, F_SETFL, O_NONBLOCK);
    fcntl(worker->err, F_SETFL, O_NONBLOCK);
}

/* Waits for the worker's "ready" (a snapshot taking over may have died:
 * then end of file comes), which names the worker's snapshot, if any. */
static int await_ready(WorkerProcess *worker)
{
    json_t *ready = frame_receive(worker->channel);
    const char *op = json_string_value(json_object_get(ready, "op"));
    int rc = op && strcmp(op, "ready") == 0 ? 0 : -1;
    json_t *snapshot = json_object_get(ready, "snapshot");
    worker->snapshot = rc == 0 && json_is_integer(snapshot) ? (pid_t)json_integer_value(snapshot) : -1;
    json_decref(ready);
    return rc;
}

int worker_process_start(WorkerProcess *worker)
{
    *worker = WORKER_PROCESS_NONE;
    Channels c;
    int control[2] = {-1, -1};
    char *path = worker_executable();
    if (!path || channels_open(&c) != 0) {
        fprintf(stderr, "cnb: cells: cannot start the worker: %s\n", strerror(errno));
        free(path);
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) != 0 ||
        spawn(worker, path, c.pair[1], c.out[1], c.err[1], control[1]) != 0) {
        fprintf(stderr, "cnb: cells: cannot start the worker: %s\n", strerror(errno));
        free(path);
        close_pair(c.pair);
        close_pair(c.out);
        close_pair(c.err);
        close_pair(control);
        return -1;
    }
    free(path);
    close(control[1]);
    worker->control = control[0];
    channels_adopt(worker, &c);
    int rc = await_ready(worker);
    if (rc != 0) {
        fprintf(stderr, "cnb: cells: the worker did not start\n");
        worker_process_stop(worker);
    }
    return rc;
}

/* The takeover message: one byte, and the worker's three ends. */
static int send_channels(int control, const Channels *c)
{
    char byte = 'T';
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } buffer;
    memset(&buffer, 0, sizeof buffer);
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = buffer.space,
                             .msg_controllen = sizeof buffer.space};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(3 * sizeof(int));
    int fds[3] = {c->pair[1], c->out[1], c->err[1]};
    memcpy(CMSG_DATA(header), fds, sizeof fds);
    return sendmsg(control, &message, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static void close_front_ends(WorkerProcess *worker)
{
    int *fds[] = {&worker->channel, &worker->out, &worker->err};
    for (size_t i = 0; i < 3; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

int worker_process_take_over(WorkerProcess *worker)
{
    pid_t snapshot = worker->snapshot;
    close_front_ends(worker);
    worker->snapshot = -1;
    Channels c;
    /* The interpreter is a child subreaper: the dead worker's snapshot is
     * its child now, or it is gone. */
    int status;
    if (snapshot <= 0 || waitpid(snapshot, &status, WNOHANG) != 0 || channels_open(&c) != 0) {
        worker_process_stop(worker);
        return -1;
    }
    int sent = send_channels(worker->control, &c);
    worker->pid = snapshot;
    channels_adopt(worker, &c);
    if (sent != 0 || await_ready(worker) != 0) {
        worker_process_stop(worker);
        return -1;
    }
    return 0;
}

void worker_process_stop(WorkerProcess *worker)
{
    /* Killed while the worker lives: its pid cannot have been reused. */
    if (worker->snapshot > 0)
        kill(worker->snapshot, SIGKILL);
    if (worker->control >= 0)
        close(worker->control);
    if (worker->channel >= 0)
        close(worker->channel);
    if (worker->pid > 0) {
        /* End of file on fd 3 ends it; a cell still running gets SIGKILL. */
        int status;
        struct timespec pause = {0, 5 * 1000 * 1000};
        int tries = 0;
        while (waitpid(worker->pid, &status, WNOHANG) == 0) {
            if (++tries == 40)
                kill(worker->pid, SIGKILL);
            if (tries > 40) {
                waitpid(worker->pid, &status, 0);
                break;
            }
            nanosleep(&pause, NULL);
        }
    }
    /* A snapshot whose worker died before it is this process's child now
     * (subreaper); else the worker has reaped it. */
    if (worker->snapshot > 0)
        while (waitpid(worker->snapshot, NULL, 0) < 0 && errno == EINTR) {
        }
    if (worker->out >= 0)
        close(worker->out);
    if (worker->err >= 0)
        close(worker->err);
    *worker = WORKER_PROCESS_NONE;
}

/* Is pid's main thread already dead (state Z or X)?  A killed process with
 * several threads shows its leader as a zombie before the last thread has
 * gone, and waitpid reports it only then. */
static bool leader_dead(pid_t pid)
{
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *end = strrchr(text, ')');
    return end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

int worker_process_reap(WorkerProcess *worker)
{
    if (worker->pid <= 0)
        return 0;
    int status;
    pid_t rc = waitpid(worker->pid, &status, WNOHANG);
    /* A dying worker cannot run the next cell: wait (up to a second) for
     * its other threads, so its death is said between cells, not blamed
     * on the cell that comes next. */
    for (int tries = 0; rc == 0 && tries < 100 && leader_dead(worker->pid); tries++) {
        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
        rc = waitpid(worker->pid, &status, WNOHANG);
    }
    if (rc == 0)
        return -1;
    worker->pid = -1;
    return rc < 0 ? 0 : status;
}
