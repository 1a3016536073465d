/* IOPub publisher: ZeroMQ sockets are not thread-safe, so every thread
 * pushes its already signed iopub messages over inproc to this one thread,
 * which alone owns the PUB socket. */
#include <zmq.h>

#include "log.h"
#include "threads.h"

void *iopub_thread(void *arg)
{
    Kernel *kernel = arg;
    zmq_proxy(kernel->iopub_in, kernel->sockets[CHANNEL_IOPUB], NULL);
    zmq_close(kernel->iopub_in);
    zmq_close(kernel->sockets[CHANNEL_IOPUB]);
    kernel->iopub_in = kernel->sockets[CHANNEL_IOPUB] = NULL;
    log_debug("iopub: stopped");
    return NULL;
}
