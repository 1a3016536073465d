// SPDX-License-Identifier: BSD-3-Clause
/* Rollback snapshots; see worker_snapshot.h.
 *
 * The snapshot is the worker's child.  It closes its copies of the
 * worker's stdout, stderr and frame socket at once (the interpreter sees a
 * dying worker by their end of file) and waits on fd 4, the snapshot
 * socket, whose other end only the interpreter holds: end of file there
 * means the interpreter is gone or wants no snapshot, and the snapshot
 * ends, so a killed kernel leaves none behind.  The interpreter is a child
 * subreaper, so when the worker dies the snapshot becomes its child and
 * can be waited for like the worker.
 *
 * To take over, the interpreter sends three fds (frame socket, stdout,
 * stderr) with SCM_RIGHTS; the snapshot puts them on 3, 1 and 2, asks for
 * SIGKILL when the interpreter dies (as the worker does) and re-creates
 * what only the forking thread lost: the flusher thread here, the
 * runtime's compute threads and the dataloader's thread (libcnb's fork
 * handlers reset them, so they start again on first use) and OpenBLAS's
 * threads (its own fork handler). */
#include "worker_snapshot.h"
#include "worker.h"
#include "worker_flusher.h"
#include "wire/frame.h"

#include <dlfcn.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t snapshot = -1;

const char *worker_snapshot_impossible(void)
{
    void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!cuda)
        return NULL;
    dlclose(cuda);
    return "the worker uses the GPU (its driver is loaded), and the GPU's memory cannot be "
           "copied into a snapshot";
}

void worker_snapshot_drop(void)
{
    if (snapshot <= 0)
        return;
    kill(snapshot, SIGKILL);
    while (waitpid(snapshot, NULL, 0) < 0 && errno == EINTR) {
    }
    snapshot = -1;
}

/* The three fds of a takeover; false when the interpreter closed the
 * socket instead (or sent something else). */
static bool receive_channels(int fds[3])
{
    char byte;
    struct iovec data = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(3 * sizeof(int))];
    } control;
    struct msghdr message = {.msg_iov = &data, .msg_iovlen = 1, .msg_control = control.space,
                             .msg_controllen = sizeof control.space};
    for (;;) {
        struct pollfd wait = {.fd = WORKER_SNAPSHOT_FD, .events = POLLIN};
        if (poll(&wait, 1, -1) < 0 && errno == EINTR)
            continue;
        ssize_t n = recvmsg(WORKER_SNAPSHOT_FD, &message, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&message) : NULL;
        if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(3 * sizeof(int)))
            return false;
        memcpy(fds, CMSG_DATA(c), 3 * sizeof(int));
        return true;
    }
}

/* The snapshot's life: wait, then become the worker (or end). */
static void wait_to_take_over(pid_t interpreter)
{
    /* On /dev/null rather than closed: the fds that come in must not land
     * on 1, 2 or 3 themselves. */
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null, 1);
    dup2(null, 2);
    dup2(null, WORKER_CHANNEL_FD);
    close(null);
    int fds[3];
    if (!receive_channels(fds))
        _exit(0);
    if (dup2(fds[0], WORKER_CHANNEL_FD) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0)
        _exit(1);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    /* The worker's parent was the interpreter; the snapshot's is now. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != interpreter)
        _exit(1);
    worker_signals_adopt();
    worker_flusher_start();
}

pid_t worker_snapshot_take(void)
{
    worker_snapshot_drop();
    fflush(stdout);
    fflush(stderr);
    pid_t interpreter = getppid();
    pid_t pid = fork();
    if (pid == 0) {
        wait_to_take_over(interpreter);
        return 0;
    }
    snapshot = pid > 0 ? pid : -1;
    return snapshot;
}
