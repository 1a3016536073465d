/* cnb-kernel: the Jupyter kernel for notebooks written in C.
 *
 *   cnb-kernel -f CONNECTION_FILE      run the kernel (the protocol front, front/)
 *   cnb-kernel --worker ...            the worker that runs cells (cells/, via worker_main)
 *   cnb-kernel install [--user | --sys-prefix | --prefix P]
 *   cnb-kernel --version | --help
 *
 * The command line is parsed in front/cli.c. */
#include "front/cli.h"

int main(int argc, char **argv)
{
    return cnb_kernel_main(argc, argv);
}
