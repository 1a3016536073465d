// SPDX-License-Identifier: BSD-3-Clause
/* Execution history in SQLite, in the layout IPython uses (sessions,
 * history, output_history), so it persists across kernel restarts.  Each
 * kernel start opens a new session.  Thread-safe (the execution thread
 * writes while the shell thread reads). */
#ifndef CNB_FRONT_HISTORY_H
#define CNB_FRONT_HISTORY_H

#include <jansson.h>
#include <stdbool.h>

typedef struct History History;

/* Opens (creating) the database at path and starts a new session. */
History *history_open(const char *path);
/* The default path: <jupyter data dir>/cnb/history.sqlite (malloc'd). */
char *history_default_path(void);
void history_close(History *history);
int history_session(const History *history);

int history_store(History *history, int line, const char *source);
int history_store_output(History *history, int line, const char *output);

/* Entries as the history_reply wants them: [session, line, source], or with
 * output [session, line, [source, output-or-null]]. */
json_t *history_tail(History *history, int n, bool output);
/* session <= 0 counts back from the current one; stop <= 0: to the end. */
json_t *history_range(History *history, int session, int start, int stop, bool output);
/* pattern: a SQLite GLOB; n < 0: all; unique: one entry per source. */
json_t *history_search(History *history, const char *pattern, int n, bool unique, bool output);

#endif
