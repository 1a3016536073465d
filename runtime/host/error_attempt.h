// SPDX-License-Identifier: BSD-3-Clause
/* Attempts the runtime may still recover from (one mirror of several):
 * an error inside is printed and remembered as usual, but does not end a
 * notebook cell; if every attempt fails, the caller reports the final
 * error after cnb_error_attempts_end, and that one ends the cell. */
#ifndef CNB_HOST_ERROR_ATTEMPT_H
#define CNB_HOST_ERROR_ATTEMPT_H

void cnb_error_attempts_begin(void);
void cnb_error_attempts_end(void);

#endif
