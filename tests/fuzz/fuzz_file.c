// SPDX-License-Identifier: BSD-3-Clause
/* The input as a file and cnb's errors recorded (see fuzz_file.h). */
#include "fuzz_file.h"
#include "host/error_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static char last_error[1024];

/* Takes the place of libcnb's cnb_error (the executable's definition wins). */
int cnb_error(const char *function, const char *format, ...)
{
    char message[900];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    snprintf(last_error, sizeof last_error, "%s: %s", function, message);
    return -1;
}

const char *fuzz_error(void)
{
    return last_error;
}

void fuzz_error_clear(void)
{
    last_error[0] = '\0';
}

const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("cnb-fuzz", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    return path;
}
