// SPDX-License-Identifier: BSD-3-Clause
/* Logging to stderr with a level chosen by CNB_LOG (debug, info, warn,
 * error; default warn).  Jupyter shows a kernel's stderr in the server log,
 * so the default stays quiet and CNB_LOG=debug traces every message. */
#ifndef CNB_FRONT_LOG_H
#define CNB_FRONT_LOG_H

typedef enum LogLevel { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } LogLevel;

/* Reads CNB_LOG once; later calls are cheap. */
LogLevel log_level(void);
void log_message(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_level() <= LOG_DEBUG) log_message(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) log_message(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_message(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_message(LOG_ERROR, __VA_ARGS__)

#endif
