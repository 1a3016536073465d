/* The command line of cnb-kernel:
 *   cnb-kernel -f CONNECTION_FILE      run the kernel (what kernel.json says)
 *   cnb-kernel --worker ...            the worker process (started by the kernel)
 *   cnb-kernel install [--user | --sys-prefix | --prefix P]
 *   cnb-kernel --version | --help */
#ifndef CNB_FRONT_CLI_H
#define CNB_FRONT_CLI_H

int cnb_kernel_main(int argc, char **argv);

#endif
