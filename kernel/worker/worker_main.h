// SPDX-License-Identifier: BSD-3-Clause
/* The worker's entry point: `cnb-kernel --worker ...` lands here from
 * main.c, the one file that knows both processes.  The worker talks to the
 * interpreter over fd 3 in the wire format (wire/frame.h). */
#ifndef CNB_WORKER_WORKER_MAIN_H
#define CNB_WORKER_WORKER_MAIN_H

int worker_main(int argc, char **argv);

#endif
