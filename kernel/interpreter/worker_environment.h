// SPDX-License-Identifier: BSD-3-Clause
/* The environment the worker starts with (worker_environment.c). */
#ifndef CNB_INTERPRETER_WORKER_ENVIRONMENT_H
#define CNB_INTERPRETER_WORKER_ENVIRONMENT_H

/* This process's environment, plus OPENBLAS_NUM_THREADS set to the
 * runtime's thread count when neither it nor OMP_NUM_THREADS is set.
 * NULL-terminated; one free() releases it. */
char **worker_environment(void);

#endif
