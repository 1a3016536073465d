// SPDX-License-Identifier: BSD-3-Clause
/* The command line of cnb-kernel (main.c handles --worker first):
 *   cnb-kernel -f CONNECTION_FILE      run the kernel (what kernel.json says)
 *   cnb-kernel install [--user | --sys-prefix | --prefix P]
 *   cnb-kernel --version | --help */
#ifndef CNB_FRONT_CLI_H
#define CNB_FRONT_CLI_H

int cnb_kernel_main(int argc, char **argv);

#endif
