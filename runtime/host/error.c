/* Errors are messages, not crashes: print once, remember for the caller. */
#include "cnb/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_error[1024];

const char *cnb_last_error(void)
{
    return last_error;
}

void cnb_clear_error(void)
{
    last_error[0] = '\0';
}

int cnb_error(const char *function, const char *format, ...)
{
    char message[900];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(last_error, sizeof last_error, "%s: %s", function, message);
    fprintf(stderr, "cnb: %s\n", last_error);
    fflush(stderr);
    return -1;
}
