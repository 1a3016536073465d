/* Errors: every failing call prints "cnb: <function>: <what is wrong>" to
 * stderr and remembers it; the caller gets NULL, false or -1. */
#ifndef CNB_ERROR_H
#define CNB_ERROR_H

/* The message of the most recent error in this thread, or "" if none. */
const char *cnb_last_error(void);
void cnb_clear_error(void);

/* For runtime code: record and print an error; returns -1 for convenience. */
int cnb_error(const char *function, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif
