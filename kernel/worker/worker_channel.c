// SPDX-License-Identifier: BSD-3-Clause
/* The worker's end of fd 3 (see worker.h): frames to and from the
 * interpreter, in the wire format. */
#include "worker.h"
#include "wire/frame.h"

#include <stdio.h>

int worker_send(json_t *message)
{
    fflush(stdout);
    fflush(stderr);
    worker_protocol_enter();
    int rc = frame_send(WORKER_CHANNEL_FD, message);
    worker_protocol_leave();
    return rc;
}

json_t *worker_receive(void)
{
    return frame_receive(WORKER_CHANNEL_FD);
}
