// SPDX-License-Identifier: BSD-3-Clause
/* What the kernel's status on iopub says while a cell runs.
 *
 * The protocol asks for "busy" before and "idle" after every request, and
 * JupyterLab needs that idle to finish a completion or inspection.  But it
 * also shows the last status published, whatever its parent, and this kernel
 * answers those requests while a cell runs: their idle would show the kernel
 * idle in the middle of a training.  So the publisher thread, which alone
 * sees every iopub message in the order it goes out, follows the cell's
 * busy / idle; when another request's idle goes out while the cell runs, it
 * publishes "busy" again under the cell's parent header. */
#ifndef CNB_FRONT_KERNEL_STATUS_H
#define CNB_FRONT_KERNEL_STATUS_H

#include <jansson.h>

#include "message.h"

typedef struct KernelStatus {
    json_t *cell;   /* header of the execute request running, or NULL */
} KernelStatus;

/* Follows one published message (its wire frames).  Returns the header of
 * the running cell when "busy" must be said again for it (borrowed, valid
 * until the next call), else NULL. */
const json_t *kernel_status_follow(KernelStatus *status, const Frame *frames, size_t n_frames,
                                   const Signer *signer);
void kernel_status_clear(KernelStatus *status);

#endif
