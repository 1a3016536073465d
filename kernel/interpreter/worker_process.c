// SPDX-License-Identifier: BSD-3-Clause
/* Starting and stopping the worker; see worker_process.h. */
#include "worker_process.h"
#include "wire/frame.h"
#include "worker_environment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static int spawn(WorkerProcess *worker, const char *path, int channel, int out, int err)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, err, 2);
    posix_spawn_file_actions_adddup2(&actions, channel, WORKER_CHANNEL_FD);
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

int worker_process_start(WorkerProcess *worker)
{
    *worker = (WorkerProcess){.pid = -1, .channel = -1, .out = -1, .err = -1};
    int pair[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    char *path = worker_executable();
    if (!path || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0 ||
        pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
        spawn(worker, path, pair[1], out[1], err[1]) != 0) {
        fprintf(stderr, "cnb: cells: cannot start the worker: %s\n", strerror(errno));
        free(path);
        close_pair(pair);
        close_pair(out);
        close_pair(err);
        return -1;
    }
    free(path);
    close(pair[1]);
    close(out[1]);
    close(err[1]);
    worker->channel = pair[0];
    worker->out = out[0];
    worker->err = err[0];
    fcntl(worker->out, F_SETFL, O_NONBLOCK);
    fcntl(worker->err, F_SETFL, O_NONBLOCK);
    json_t *ready = frame_receive(worker->channel);
    const char *op = json_string_value(json_object_get(ready, "op"));
    int rc = op && strcmp(op, "ready") == 0 ? 0 : -1;
    json_decref(ready);
    if (rc != 0) {
        fprintf(stderr, "cnb: cells: the worker did not start\n");
        worker_process_stop(worker);
    }
    return rc;
}

void worker_process_stop(WorkerProcess *worker)
{
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
    if (worker->out >= 0)
        close(worker->out);
    if (worker->err >= 0)
        close(worker->err);
    *worker = (WorkerProcess){.pid = -1, .channel = -1, .out = -1, .err = -1};
}

int worker_process_reap(WorkerProcess *worker)
{
    if (worker->pid <= 0)
        return 0;
    int status;
    pid_t rc = waitpid(worker->pid, &status, WNOHANG);
    if (rc == 0)
        return -1;
    worker->pid = -1;
    return rc < 0 ? 0 : status;
}
