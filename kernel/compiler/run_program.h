// SPDX-License-Identifier: BSD-3-Clause
/* Runs a helper program (the C compiler, addr2line) and collects what it
 * prints. */
#ifndef CNB_COMPILER_RUN_PROGRAM_H
#define CNB_COMPILER_RUN_PROGRAM_H

/* Runs argv[0] (searched in PATH) in directory dir (NULL: current) with
 * stdout and stderr captured into *output (malloc'd, NUL-terminated; may be
 * NULL), with English messages (english_environment.h).  Returns the exit
 * status, or -1 if it could not run. */
int run_program(char *const argv[], const char *dir, char **output);

#endif
