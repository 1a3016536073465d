// SPDX-License-Identifier: BSD-3-Clause
/* SQLite history store (see history.h). */
#include "history.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jupyter_paths.h"
#include "log.h"

struct History {
    sqlite3 *db;
    int session;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sessions (session INTEGER PRIMARY KEY AUTOINCREMENT,"
    " start TIMESTAMP, end TIMESTAMP, num_cmds INTEGER, remark TEXT);"
    "CREATE TABLE IF NOT EXISTS history (session INTEGER, line INTEGER, source TEXT,"
    " source_raw TEXT, PRIMARY KEY (session, line));"
    "CREATE TABLE IF NOT EXISTS output_history (session INTEGER, line INTEGER, output TEXT,"
    " PRIMARY KEY (session, line));";

static int exec_sql(History *history, const char *sql)
{
    char *error = NULL;
    if (sqlite3_exec(history->db, sql, NULL, NULL, &error) != SQLITE_OK) {
        log_warn("history: %s", error ? error : "?");
        sqlite3_free(error);
        return -1;
    }
    return 0;
}

char *history_default_path(void)
{
    char *data = jupyter_data_dir(), *path = NULL;
    if (data && asprintf(&path, "%s/cnb/history.sqlite", data) < 0)
        path = NULL;
    free(data);
    return path;
}

static int ensure_parent(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return -1;
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        rc = make_dirs(dir, 0700);
    }
    free(dir);
    return rc;
}

static double seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* The file's set-up and this session's row.  Two kernels that start at once
 * race for a new file, and SQLite refuses some lock upgrades at once rather
 * than wait (it avoids a deadlock): so the write lock is taken first
 * (BEGIN IMMEDIATE waits for it), and the whole set-up is tried again while
 * the file is busy, for up to 3 s.  A file that stays locked longer (another
 * program holds it) leaves the kernel without history. */
static int set_up(History *history)
{
    static const char *const steps[] = {
        "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "BEGIN IMMEDIATE", schema,
        "INSERT INTO sessions (start, num_cmds, remark) VALUES (datetime('now'), 0, '')", "COMMIT", NULL
    };
    sqlite3_busy_timeout(history->db, 250);
    double deadline = seconds_now() + 3.0;
    char *error = NULL;
    int rc;
    for (;;) {
        rc = SQLITE_OK;
        for (const char *const *step = steps; *step && rc == SQLITE_OK; step++) {
            sqlite3_free(error);
            error = NULL;
            rc = sqlite3_exec(history->db, *step, NULL, NULL, &error);
        }
        if (rc == SQLITE_OK)
            return 0;
        if (!sqlite3_get_autocommit(history->db))
            sqlite3_exec(history->db, "ROLLBACK", NULL, NULL, NULL);
        bool busy = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
        if (!busy || seconds_now() > deadline)
            break;
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    log_warn("history: %s", error ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    return -1;
}

History *history_open(const char *path)
{
    History *history = calloc(1, sizeof *history);
    if (!history || ensure_parent(path) < 0) {
        log_warn("history: cannot create the folder of %s", path);
        free(history);
        return NULL;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &history->db, flags, NULL) != SQLITE_OK) {
        log_warn("history: cannot open %s: %s", path, sqlite3_errmsg(history->db));
        history_close(history);
        return NULL;
    }
    if (set_up(history) < 0) {
        history_close(history);
        return NULL;
    }
    history->session = (int)sqlite3_last_insert_rowid(history->db);
    /* Several kernels may share the file: wait for each other's writes. */
    sqlite3_busy_timeout(history->db, 2000);
    return history;
}

void history_close(History *history)
{
    if (!history)
        return;
    if (history->db && history->session > 0) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "UPDATE sessions SET end = datetime('now'), num_cmds = (SELECT count(*) FROM history"
                 " WHERE session = %d) WHERE session = %d", history->session, history->session);
        exec_sql(history, sql);
    }
    sqlite3_close(history->db);
    free(history);
}

int history_session(const History *history)
{
    return history ? history->session : 0;
}

static int store(History *history, const char *sql, int line, const char *text)
{
    if (!history)
        return -1;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(history->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(stmt, 1, history->session);
        sqlite3_bind_int(stmt, 2, line);
        sqlite3_bind_text(stmt, 3, text, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        log_warn("history: cannot store line %d: %s", line, sqlite3_errmsg(history->db));
        return -1;
    }
    return 0;
}

int history_store(History *history, int line, const char *source)
{
    return store(history, "INSERT OR REPLACE INTO history (session, line, source, source_raw)"
                          " VALUES (?1, ?2, ?3, ?3)", line, source);
}

int history_store_output(History *history, int line, const char *output)
{
    return store(history, "INSERT OR REPLACE INTO output_history (session, line, output)"
                          " VALUES (?1, ?2, ?3)", line, output);
}

static json_t *column_text(sqlite3_stmt *stmt, int column)
{
    const unsigned char *text = sqlite3_column_text(stmt, column);
    return text ? json_string((const char *)text) : json_null();
}

static json_t *row_entry(sqlite3_stmt *stmt, bool output)
{
    json_t *source = column_text(stmt, 2);
    if (output)
        source = json_pack("[o, o]", source, column_text(stmt, 3));
    return json_pack("[i, i, o]", sqlite3_column_int(stmt, 0), sqlite3_column_int(stmt, 1), source);
}

/* Runs "SELECT ... <clause>" binding ints and at most one text, collecting entries. */
static json_t *query(History *history, const char *clause, const char *text, const int *ints,
                     int n_ints, bool output, bool reverse)
{
    json_t *entries = json_array();
    if (!history)
        return entries;
    char *sql = NULL;
    if (asprintf(&sql, "SELECT history.session, history.line, history.source_raw, output_history.output"
                       " FROM history LEFT JOIN output_history USING (session, line) %s", clause) < 0)
        return entries;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(history->db, sql, -1, &stmt, NULL) == SQLITE_OK) {
        int k = 1;
        if (text)
            sqlite3_bind_text(stmt, k++, text, -1, SQLITE_TRANSIENT);
        for (int i = 0; i < n_ints; i++)
            sqlite3_bind_int(stmt, k++, ints[i]);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            json_t *entry = row_entry(stmt, output);
            if (reverse)
                json_array_insert_new(entries, 0, entry);
            else
                json_array_append_new(entries, entry);
        }
    } else {
        log_warn("history: %s", sqlite3_errmsg(history->db));
    }
    sqlite3_finalize(stmt);
    free(sql);
    return entries;
}

json_t *history_tail(History *history, int n, bool output)
{
    int limit[] = {n < 0 ? 0 : n};
    return query(history, "ORDER BY history.session DESC, history.line DESC LIMIT ?", NULL, limit, 1,
                 output, true);
}

json_t *history_range(History *history, int session, int start, int stop, bool output)
{
    if (session <= 0)
        session += history_session(history);
    int ints[] = {session, start, stop};
    if (stop > 0)
        return query(history, "WHERE history.session = ? AND history.line >= ? AND history.line < ?"
                              " ORDER BY history.line", NULL, ints, 3, output, false);
    return query(history, "WHERE history.session = ? AND history.line >= ? ORDER BY history.line",
                 NULL, ints, 2, output, false);
}

json_t *history_search(History *history, const char *pattern, int n, bool unique, bool output)
{
    /* As IPython: newest n matches, oldest first; unique keeps one per source. */
    const char *group = unique ? " GROUP BY history.source_raw" : "";
    char clause[200];
    int limit[] = {n};
    if (n >= 0) {
        snprintf(clause, sizeof clause, "WHERE history.source_raw GLOB ?%s"
                 " ORDER BY history.session DESC, history.line DESC LIMIT ?", group);
        return query(history, clause, pattern, limit, 1, output, true);
    }
    snprintf(clause, sizeof clause, "WHERE history.source_raw GLOB ?%s"
             " ORDER BY history.session, history.line", group);
    return query(history, clause, pattern, NULL, 0, output, false);
}
