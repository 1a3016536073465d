// SPDX-License-Identifier: BSD-3-Clause
/* Rollback snapshots (worker_snapshot.c): after a cell that left the worker
 * in good order, the worker forks a copy of itself that waits (copy-on-
 * write, one at a time).  When the worker dies or damages its heap, the
 * interpreter hands that copy new channels and it carries on as the worker,
 * with the state of the end of that cell. */
#ifndef CNB_WORKER_WORKER_SNAPSHOT_H
#define CNB_WORKER_WORKER_SNAPSHOT_H

#include <stdbool.h>
#include <sys/types.h>

/* The worker's end of the interpreter's snapshot socket (fd 4): only a
 * waiting snapshot reads it; the takeover's fds come over it. */
#define WORKER_SNAPSHOT_FD 4

/* Why no snapshot can be taken here (the CUDA driver is loaded: the GPU's
 * memory does not fork), or NULL. */
const char *worker_snapshot_impossible(void);
/* Replaces the snapshot by a fresh fork: its pid in the worker; 0 in the
 * snapshot once it has taken over (it is the worker now, with fds 1, 2
 * and 3 on the new channels); -1 when fork failed (no snapshot then). */
pid_t worker_snapshot_take(void);
/* Ends the snapshot, if any. */
void worker_snapshot_drop(void);

#endif
