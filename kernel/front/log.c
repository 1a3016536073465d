// SPDX-License-Identifier: BSD-3-Clause
/* Levelled logging to stderr (see log.h). */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static LogLevel current_level = LOG_WARN;
static pthread_once_t level_once = PTHREAD_ONCE_INIT;

static void read_level(void)
{
    const char *env = getenv("CNB_LOG");
    if (!env || !*env)
        return;
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(env, names[i]) == 0)
            current_level = (LogLevel)i;
}

LogLevel log_level(void)
{
    pthread_once(&level_once, read_level);
    return current_level;
}

void log_message(LogLevel level, const char *fmt, ...)
{
    static const char *labels[] = {"debug", "info", "warning", "error"};
    if (level < log_level())
        return;
    /* One fprintf per line so lines from different threads do not interleave. */
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "cnb-kernel: %s: %s\n", labels[level], line);
}
