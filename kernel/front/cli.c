// SPDX-License-Identifier: BSD-3-Clause
/* The command line of cnb-kernel (main.c calls cnb_kernel_main).
 *
 *   cnb-kernel -f CONNECTION_FILE      run the kernel (what kernel.json says)
 *   (cnb-kernel --worker is main.c's: the front knows nothing of the worker)
 *   cnb-kernel install [--user | --sys-prefix | --prefix P]
 *   cnb-kernel --version | --help */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "connection.h"
#include "kernel.h"
#include "kernelspec_install.h"
#include "log.h"
#include "private_files.h"

#ifndef CNB_VERSION
#define CNB_VERSION "0.0.0"
#endif

static void usage(FILE *out)
{
    fprintf(out, "usage: cnb-kernel -f CONNECTION_FILE\n"
                 "       cnb-kernel install [--user | --sys-prefix | --prefix PREFIX]\n"
                 "       cnb-kernel --version | --help\n"
                 "The Jupyter kernel for notebooks written in C (set CNB_LOG=debug to trace messages).\n");
}

static const char *connection_file_arg(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if ((strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--connection-file") == 0) && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--connection-file=", 18) == 0)
            return argv[i] + 18;
    }
    return NULL;
}

static int run_kernel(const char *path)
{
    private_files_begin();
    ConnectionInfo connection;
    const char *why = NULL;
    if (connection_load(path, &connection, &why) < 0) {
        log_error("cannot start: connection file %s: %s", path, why);
        return 1;
    }
    Kernel *kernel = kernel_open(&connection);
    connection_clear(&connection);
    if (!kernel)
        return 1;
    int status = kernel_run(kernel);
    kernel_close(kernel);
    return status;
}

int cnb_kernel_main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "install") == 0)
        return kernelspec_install_main(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("cnb-kernel %s (Jupyter protocol %s)\n", CNB_VERSION, PROTOCOL_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    const char *path = connection_file_arg(argc, argv);
    if (!path) {
        usage(stderr);
        return 2;
    }
    return run_kernel(path);
}
