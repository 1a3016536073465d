// SPDX-License-Identifier: BSD-3-Clause
/* IOPub publisher: ZeroMQ sockets are not thread-safe, so every thread
 * pushes its already signed iopub messages over inproc to this one thread,
 * which alone owns the PUB socket.  Being the one place where messages are
 * in their final order, it also keeps the cell's busy status in view
 * (kernel_status.h). */
#include <errno.h>
#include <zmq.h>

#include "channel.h"
#include "kernel_status.h"
#include "log.h"
#include "threads.h"

static void forward(Kernel *kernel, void *pub, KernelStatus *status, const Frame *frames, size_t n)
{
    frames_send(pub, frames, n);
    const json_t *cell = kernel_status_follow(status, frames, n, kernel->session.signer);
    if (cell)
        session_send(&kernel->session, pub, &frames[0], 1, "status", cell,
                     json_pack("{s:s}", "execution_state", "busy"));
}

void *iopub_thread(void *arg)
{
    Kernel *kernel = arg;
    void *pub = kernel->sockets[CHANNEL_IOPUB];
    KernelStatus status = {0};
    for (;;) {
        Frame *frames = NULL;
        size_t n = 0;
        if (frames_recv(kernel->iopub_in, &frames, &n) < 0) {
            int error = zmq_errno();
            if (error == ETERM || atomic_load(&kernel->stopping))
                break;
            /* Anything else would leave every thread blocked on a full
             * pipe: say it and go on. */
            if (error != EINTR)
                log_warn("iopub: receive failed: %s", zmq_strerror(error));
            continue;
        }
        if (frames)
            forward(kernel, pub, &status, frames, n);
        frames_free(frames, n);
    }
    kernel_status_clear(&status);
    zmq_close(kernel->iopub_in);
    zmq_close(pub);
    kernel->iopub_in = kernel->sockets[CHANNEL_IOPUB] = NULL;
    log_debug("iopub: stopped");
    return NULL;
}
