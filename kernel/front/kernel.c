// SPDX-License-Identifier: BSD-3-Clause
/* Kernel lifecycle: bind, run the threads, wind down (see kernel.h). */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "execution.h"
#include "history.h"
#include "debugger/debugger.h"
#include "jupyter_paths.h"
#include "log.h"
#include "threads.h"
#include "work_dir.h"

static const int socket_types[CHANNEL_COUNT] = {ZMQ_ROUTER, ZMQ_PUB, ZMQ_ROUTER, ZMQ_ROUTER, ZMQ_ROUTER};

/* A port of 0 binds to any free port; read back which one for connect_reply. */
static void read_bound_port(void *socket, int *port)
{
    char endpoint[512];
    size_t size = sizeof endpoint;
    if (zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, endpoint, &size) == 0) {
        const char *colon = strrchr(endpoint, ':');
        if (colon)
            *port = atoi(colon + 1);
    }
}

static int bind_channel(Kernel *kernel, ChannelKind channel)
{
    void *socket = zmq_socket(kernel->context, socket_types[channel]);
    char *endpoint = connection_endpoint(&kernel->connection, channel);
    int linger = 1000, handover = 1;
    int rc = (socket && endpoint) ? 0 : -1;
    if (rc == 0) {
        zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger);
        /* A client that reconnects with the same identity takes over its route. */
        if (socket_types[channel] == ZMQ_ROUTER && channel != CHANNEL_HB)
            zmq_setsockopt(socket, ZMQ_ROUTER_HANDOVER, &handover, sizeof handover);
        rc = zmq_bind(socket, endpoint);
    }
    if (rc < 0) {
        log_error("cannot bind the %s channel to %s: %s", channel_name(channel),
                  endpoint ? endpoint : "?", zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        free(endpoint);
        return -1;
    }
    if (kernel->connection.ports[channel] == 0 && strcmp(kernel->connection.transport, "tcp") == 0)
        read_bound_port(socket, &kernel->connection.ports[channel]);
    log_debug("%s channel bound to %s", channel_name(channel), endpoint);
    free(endpoint);
    kernel->sockets[channel] = socket;
    return 0;
}

static void *bind_inproc(Kernel *kernel, const char *endpoint)
{
    void *socket = zmq_socket(kernel->context, ZMQ_PULL);
    if (socket && zmq_bind(socket, endpoint) == 0)
        return socket;
    log_error("cannot bind %s: %s", endpoint, zmq_strerror(zmq_errno()));
    if (socket)
        zmq_close(socket);
    return NULL;
}

/* A kernel killed with SIGKILL could not remove its work folder: the next
 * kernel to start does. */
static int make_work_dir(Kernel *kernel)
{
    work_dir_sweep_stale(work_dir_parent());
    kernel->work_dir_lock = work_dir_create(kernel->work_dir, sizeof kernel->work_dir);
    return kernel->work_dir_lock < 0 ? -1 : 0;
}

static void open_history(Kernel *kernel)
{
    char *path = history_default_path();
    kernel->history = path ? history_open(path) : NULL;
    if (!kernel->history)
        log_warn("history is off (cannot open %s)", path ? path : "the data folder");
    free(path);
}

Kernel *kernel_open(const ConnectionInfo *connection)
{
    Kernel *kernel = calloc(1, sizeof *kernel);
    if (!kernel)
        return NULL;
    kernel->connection = *connection;
    kernel->connection.ip = strdup(connection->ip);
    kernel->connection.key = strdup(connection->key);
    kernel->connection.kernel_name = strdup(connection->kernel_name);
    kernel->signal_pipe[0] = kernel->signal_pipe[1] = -1;
    kernel->work_dir_lock = -1;
    pthread_mutex_init(&kernel->interp_lock, NULL);
    pthread_cond_init(&kernel->interp_ready, NULL);
    if (session_init(&kernel->session, connection->key) < 0 || !(kernel->context = zmq_ctx_new()))
        goto fail;
    for (int c = 0; c < CHANNEL_COUNT; c++)
        if (bind_channel(kernel, (ChannelKind)c) < 0)
            goto fail;
    kernel->iopub_in = bind_inproc(kernel, INPROC_IOPUB);
    kernel->shell_replies = bind_inproc(kernel, INPROC_SHELL_REPLIES);
    if (!kernel->iopub_in || !kernel->shell_replies || make_work_dir(kernel) < 0 ||
        pipe2(kernel->signal_pipe, O_CLOEXEC) < 0)
        goto fail;
    open_history(kernel);
    return kernel;
fail:
    kernel_close(kernel);
    return NULL;
}

void kernel_interrupt(Kernel *kernel)
{
    atomic_fetch_add(&kernel->interrupts, 1);
    pthread_mutex_lock(&kernel->interp_lock);
    Interpreter *interp = kernel->interp;
    pthread_mutex_unlock(&kernel->interp_lock);
    if (interp)
        interpreter_interrupt(interp);
}

void kernel_request_stop(Kernel *kernel)
{
    if (atomic_exchange(&kernel->stopping, true))
        return;
    kernel_interrupt(kernel);
    /* Every blocking ZeroMQ call now returns ETERM: the threads wind down. */
    zmq_ctx_shutdown(kernel->context);
}

typedef struct Worker { void *(*body)(void *); pthread_t thread; bool started; } Worker;

static void start_threads(Kernel *kernel, Worker *workers, int n)
{
    for (int i = 0; i < n; i++) {
        workers[i].started = pthread_create(&workers[i].thread, NULL, workers[i].body, kernel) == 0;
        if (!workers[i].started)
            log_error("cannot start a thread");
    }
}

int kernel_run(Kernel *kernel)
{
    /* The signal thread calls back into the kernel through these (it is
     * started below, after they are registered). */
    const SignalActions actions = {.interrupt = kernel_interrupt, .stop = kernel_request_stop};
    if (signals_install(kernel, &actions) < 0 || execution_start(kernel) < 0) {
        log_error("cannot start the kernel's threads");
        return 1;
    }
    Worker workers[] = {{heartbeat_thread, 0, false}, {iopub_thread, 0, false},
                        {control_thread, 0, false}, {signal_thread, 0, false}};
    int n = (int)(sizeof workers / sizeof workers[0]);
    start_threads(kernel, workers, n);
    shell_loop(kernel);
    kernel_request_stop(kernel);
    signals_quit(kernel);
    for (int i = 0; i < n; i++)
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
    /* Detached, a worker stopped at a breakpoint runs on into the interrupt. */
    debugger_free(kernel->debugger, kernel->interp);
    kernel->debugger = NULL;
    /* A cell that ignores the interrupt must not keep the kernel from exiting. */
    if (execution_stop(kernel, 5000) < 0)
        return 0;
    if (kernel->interp)
        interpreter_free(kernel->interp);
    kernel->interp = NULL;
    return 0;
}

void kernel_close(Kernel *kernel)
{
    if (!kernel)
        return;
    if (kernel->queue) {
        /* The execution thread is stuck in a cell: let process exit end it. */
        if (kernel->work_dir[0])
            remove_tree(kernel->work_dir);
        return;
    }
    for (int c = 0; c < CHANNEL_COUNT; c++)
        if (kernel->sockets[c])
            zmq_close(kernel->sockets[c]);
    if (kernel->iopub_in)
        zmq_close(kernel->iopub_in);
    if (kernel->shell_replies)
        zmq_close(kernel->shell_replies);
    if (kernel->context)
        zmq_ctx_term(kernel->context);
    /* interpreter_free removes it; this covers an interpreter that never started. */
    if (kernel->work_dir[0])
        remove_tree(kernel->work_dir);
    if (kernel->work_dir_lock >= 0)
        close(kernel->work_dir_lock);
    history_close(kernel->history);
    session_clear(&kernel->session);
    connection_clear(&kernel->connection);
    for (int i = 0; i < 2; i++)
        if (kernel->signal_pipe[i] >= 0)
            close(kernel->signal_pipe[i]);
    pthread_mutex_destroy(&kernel->interp_lock);
    pthread_cond_destroy(&kernel->interp_ready);
    free(kernel);
}
