// SPDX-License-Identifier: BSD-3-Clause
/* Shut down when the process that launched the kernel is gone (see
 * parent_watch.c); the signal thread waits for parent_watch_fd to become
 * readable (the launcher ended), or, without one, checks once a second. */
#ifndef CNB_FRONT_PARENT_WATCH_H
#define CNB_FRONT_PARENT_WATCH_H

#include <stdbool.h>

void parent_watch_init(void);
bool parent_is_gone(void);
/* A pidfd of the launcher, readable once it ends; -1 when there is none
 * (no launcher named, or a kernel older than Linux 5.3). */
int parent_watch_fd(void);

#endif
