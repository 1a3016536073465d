/* Signals: SIGINT interrupts the running cell (interrupt_mode "signal"),
 * SIGTERM shuts the kernel down.  The handlers only write a byte to a pipe
 * (async-signal-safe); signal_thread does the work.  Handlers, unlike a
 * blocked signal mask, are not inherited by the worker across exec. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "threads.h"

static int wake_fd = -1;

static void on_signal(int signo)
{
    int saved = errno;
    char byte = signo == SIGINT ? 'i' : 't';
    if (wake_fd >= 0 && write(wake_fd, &byte, 1) < 0) {
        /* nothing to do: a full pipe already holds a wake-up */
    }
    errno = saved;
}

int signals_install(Kernel *kernel)
{
    wake_fd = kernel->signal_pipe[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
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
        ssize_t n = read(kernel->signal_pipe[0], &byte, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || byte == 'q')
            break;
        if (byte == 'i') {
            log_info("SIGINT: interrupting the running cell");
            kernel_interrupt(kernel);
        } else {
            log_info("SIGTERM: shutting down");
            kernel_request_stop(kernel);
        }
    }
    return NULL;
}
