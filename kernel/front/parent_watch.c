// SPDX-License-Identifier: BSD-3-Clause
/* Parent watch: jupyter_client sets JPY_PARENT_PID when it launches a
 * kernel it owns.  If that process dies without shutting the kernel down
 * (killed server, crashed notebook), the kernel is reparented and must not
 * live on as an orphan holding a worker, ports and a temp folder.
 *
 * A pidfd tells of the launcher's end without polling: an idle kernel
 * must not wake once a second (a class's server runs dozens of them).
 * It is opened after the launcher was seen as our parent, and checked
 * again after opening, so that a pid reused by another process between
 * the two is never watched. */
#include "parent_watch.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static pid_t watched = -1;
static int watched_fd = -1;

void parent_watch_init(void)
{
    const char *env = getenv("JPY_PARENT_PID");
    long pid = env ? strtol(env, NULL, 10) : 0;
    /* As ipykernel does: the variable names our launcher; if we are no
     * longer its child (even before this check ran), it is gone. */
    watched = pid > 1 ? (pid_t)pid : -1;
#ifdef SYS_pidfd_open
    if (watched > 0 && !parent_is_gone()) {
        int fd = (int)syscall(SYS_pidfd_open, watched, 0);
        if (fd >= 0 && parent_is_gone()) {
            close(fd);
            fd = -1;
        }
        watched_fd = fd;
    }
#endif
}

int parent_watch_fd(void)
{
    return watched_fd;
}

bool parent_is_gone(void)
{
    return watched > 0 && getppid() != watched;
}
