// SPDX-License-Identifier: BSD-3-Clause
/* Signals: SIGINT interrupts the running cell (interrupt_mode "signal"),
 * SIGTERM shuts the kernel down, and so does the death of the parent that
 * launched the kernel (see parent_watch.c).  The handlers only write a byte to a pipe
 * (async-signal-safe); signal_thread does the work.  Handlers, unlike a
 * blocked signal mask, are not inherited by the worker across exec. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent_watch.h"
#include "threads.h"

static int wake_fd = -1;
static SignalActions actions;

static void on_signal(int signo)
{
    int saved = errno;
    char byte = signo == SIGINT ? 'i' : 't';
    if (wake_fd >= 0 && write(wake_fd, &byte, 1) < 0) {
        /* nothing to do: a full pipe already holds a wake-up */
    }
    errno = saved;
}

static void on_sigpipe(int signo)
{
    (void)signo;
}

int signals_install(Kernel *kernel, const SignalActions *registered)
{
    actions = *registered;
    wake_fd = kernel->signal_pipe[1];
    parent_watch_init();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0)
        return -1;
    /* A write to a lost worker's pipe must fail with EPIPE, not kill the
     * front.  A handler rather than SIG_IGN: an ignored signal would stay
     * ignored in the worker across exec, a handler does not. */
    action.sa_handler = on_sigpipe;
    return sigaction(SIGPIPE, &action, NULL);
}

void signals_quit(Kernel *kernel)
{
    char byte = 'q';
    if (write(kernel->signal_pipe[1], &byte, 1) < 0)
        log_warn("signals: cannot wake the signal thread");
}

void *signal_thread(void *arg)
{
    Kernel *kernel = arg;
    char byte;
    for (;;) {
        struct pollfd wake[2] = {{kernel->signal_pipe[0], POLLIN, 0},
                                 {parent_watch_fd(), POLLIN, 0}};
        bool watching = wake[1].fd >= 0;
        int ready = poll(wake, watching ? 2 : 1, watching ? -1 : 1000);
        if (watching && ready > 0 && (wake[1].revents & (POLLIN | POLLHUP))) {
            log_warn("the process that launched the kernel is gone: shutting down");
            actions.stop(kernel);
            break;                /* its pidfd stays readable: no more waiting on it */
        }
        if (ready == 0) {
            if (parent_is_gone()) {
                log_warn("the process that launched the kernel is gone: shutting down");
                actions.stop(kernel);
            }
            continue;
        }
        ssize_t n = ready < 0 ? -1 : read(kernel->signal_pipe[0], &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || byte == 'q')
            break;
        if (byte == 'i') {
            log_info("SIGINT: interrupting the running cell");
            actions.interrupt(kernel);
        } else {
            log_info("SIGTERM: shutting down");
            actions.stop(kernel);
        }
    }
    return NULL;
}
