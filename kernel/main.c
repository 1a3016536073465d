// SPDX-License-Identifier: BSD-3-Clause
/* cnb-kernel: the Jupyter kernel for notebooks written in C.
 *
 *   cnb-kernel -f CONNECTION_FILE      run the kernel (the protocol front, front/)
 *   cnb-kernel --worker ...            the worker that runs cells (worker/, worker_main)
 *   cnb-kernel install [--user | --sys-prefix | --prefix P]
 *   cnb-kernel --version | --help
 *
 * One executable, two processes: this is the only file that knows both.
 * The front's command line is parsed in front/cli.c. */
#include <string.h>

#include "front/cli.h"
#include "worker/worker_main.h"

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--worker") == 0)
        return worker_main(argc, argv);
    return cnb_kernel_main(argc, argv);
}
