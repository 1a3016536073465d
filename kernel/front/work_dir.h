// SPDX-License-Identifier: BSD-3-Clause
/* The per-kernel work folder ($TMPDIR/cnb-kernel-XXXXXX: cell sources,
 * libraries, the precompiled header).  It is private (0700) and holds a
 * file "lock" on which its kernel keeps an flock for as long as it lives,
 * so that a later kernel can tell a folder left behind by a killed kernel
 * (the lock is free: the kernel is gone) from one in use, whatever became
 * of the process id. */
#ifndef CNB_FRONT_WORK_DIR_H
#define CNB_FRONT_WORK_DIR_H

#include <stddef.h>

/* The folder kernels put their work folders in: $TMPDIR, else /tmp. */
const char *work_dir_parent(void);
/* Creates a work folder in work_dir_parent(), its path in path.  Returns
 * the descriptor holding the lock (keep it open while the kernel lives), or
 * -1 (logged). */
int work_dir_create(char *path, size_t size);
/* Removes the work folders in parent that belong to this user and whose
 * kernel is gone.  Returns how many were removed. */
int work_dir_sweep_stale(const char *parent);

#endif
