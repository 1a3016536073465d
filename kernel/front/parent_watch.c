/* Parent watch: jupyter_client sets JPY_PARENT_PID when it launches a
 * kernel it owns.  If that process dies without shutting the kernel down
 * (killed server, crashed notebook), the kernel is reparented and must not
 * live on as an orphan holding a worker, ports and a temp folder. */
#include "parent_watch.h"

#include <stdlib.h>
#include <unistd.h>

static pid_t watched = -1;

void parent_watch_init(void)
{
    const char *env = getenv("JPY_PARENT_PID");
    long pid = env ? strtol(env, NULL, 10) : 0;
    /* As ipykernel does: the variable names our launcher; if we are no
     * longer its child (even before this check ran), it is gone. */
    watched = pid > 1 ? (pid_t)pid : -1;
}

bool parent_is_gone(void)
{
    return watched > 0 && getppid() != watched;
}
