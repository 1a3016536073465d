// SPDX-License-Identifier: BSD-3-Clause
/* Shared steps of the trailing-expression representations. */
#ifndef CNB_PLOT_REPR_BUNDLE_H
#define CNB_PLOT_REPR_BUNDLE_H

#include "cnb/host.h"

#include <stdio.h>

/* A bundle with text/plain and, if html is not NULL, text/html; takes
 * ownership of both strings (they are malloc'd, e.g. by open_memstream). */
CnbBundle *repr_bundle(char *plain, char *html);

/* What print writes about object, without the final newlines (the frontend
 * adds its own spacing); a malloc'd string, or NULL if out of memory. */
char *repr_printed(void (*print)(FILE *out, const void *object), const void *object);

#endif
