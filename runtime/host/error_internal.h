// SPDX-License-Identifier: BSD-3-Clause
/* The runtime's side of cnb/error.h: how runtime code records and reports
 * an error.  Not installed: a cell or a program reads errors
 * (cnb_last_error, cnb_last_error_kind) but does not raise the runtime's. */
#ifndef CNB_HOST_ERROR_INTERNAL_H
#define CNB_HOST_ERROR_INTERNAL_H

#include "cnb/error.h"

/* Records and reports an error; returns -1 for convenience.  cnb_error
 * chooses the kind from the function's area of the API and the message
 * ("out of memory", "... is NULL"). */
int cnb_error(const char *function, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
int cnb_error_of(CnbErrorKind kind, const char *function, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
