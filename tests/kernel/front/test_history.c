// SPDX-License-Identifier: BSD-3-Clause
/* The SQLite history: sessions numbered across reopenings, tail, range
 * (absolute and relative sessions), search with GLOB, unique and n, and
 * outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "jupyter_paths.h"
#include "tap.h"

static const char *entry_source(json_t *entries, size_t i)
{
    json_t *source = json_array_get(json_array_get(entries, i), 2);
    return json_is_array(source) ? json_string_value(json_array_get(source, 0)) : json_string_value(source);
}

static long long entry_int(json_t *entries, size_t i, size_t field)
{
    return json_integer_value(json_array_get(json_array_get(entries, i), field));
}

int main(void)
{
    char dir[] = "/tmp/cnb-test-history-XXXXXX";
    ok(mkdtemp(dir) != NULL, "temporary folder");
    char path[256];
    snprintf(path, sizeof path, "%s/deep/cnb/history.sqlite", dir);

    History *first = history_open(path);
    ok(first != NULL, "history opens, creating its folders");
    int s1 = history_session(first);
    ok(s1 >= 1, "sessions are numbered from 1");
    history_store(first, 1, "int x = 1;");
    history_store(first, 2, "x + 1");
    history_store_output(first, 2, "2");
    history_store(first, 3, "printf(\"%d\", x);");
    json_t *tail = history_tail(first, 2, false);
    is_int(json_array_size(tail), 2, "tail 2 gives 2 entries");
    is_str(entry_source(tail, 0), "x + 1", "tail is oldest first");
    is_str(entry_source(tail, 1), "printf(\"%d\", x);", "tail ends with the latest");
    is_int(entry_int(tail, 1, 0), s1, "entries carry the session");
    is_int(entry_int(tail, 1, 1), 3, "entries carry the line");
    json_decref(tail);
    json_t *with_output = history_tail(first, 2, true);
    json_t *pair = json_array_get(json_array_get(with_output, 0), 2);
    ok(json_is_array(pair) && json_array_size(pair) == 2, "with output, the third field is [source, output]");
    is_str(json_string_value(json_array_get(pair, 1)), "2", "the output is kept");
    ok(json_is_null(json_array_get(json_array_get(json_array_get(with_output, 1), 2), 1)),
       "a line without output has null");
    json_decref(with_output);
    history_close(first);

    History *second = history_open(path);
    int s2 = history_session(second);
    is_int(s2, s1 + 1, "reopening starts the next session");
    history_store(second, 1, "int y = 2;");
    history_store(second, 2, "int x = 1;");
    tail = history_tail(second, 10, false);
    is_int(json_array_size(tail), 5, "tail sees earlier sessions (persisted)");
    json_decref(tail);

    json_t *range = history_range(second, 0, 1, 2, false);
    ok(json_array_size(range) == 1 && strcmp(entry_source(range, 0), "int y = 2;") == 0,
       "range in the current session (session 0), start <= line < stop");
    json_decref(range);
    range = history_range(second, -1, 2, 0, false);
    ok(json_array_size(range) == 2 && entry_int(range, 0, 0) == s1 && entry_int(range, 0, 1) == 2,
       "range in the previous session (-1) to the end");
    json_decref(range);
    range = history_range(second, s1, 1, 0, false);
    is_int(json_array_size(range), 3, "range by absolute session number");
    json_decref(range);

    json_t *found = history_search(second, "int x*", -1, false, false);
    is_int(json_array_size(found), 2, "search with a GLOB finds every match");
    json_decref(found);
    found = history_search(second, "int x*", -1, true, false);
    is_int(json_array_size(found), 1, "unique search keeps one per source");
    json_decref(found);
    found = history_search(second, "*", 2, false, false);
    ok(json_array_size(found) == 2 && strcmp(entry_source(found, 1), "int x = 1;") == 0 &&
       entry_int(found, 1, 0) == s2, "search with n gives the newest n, oldest first");
    json_decref(found);
    found = history_search(second, "nothing*", -1, false, false);
    is_int(json_array_size(found), 0, "no match, no entries");
    json_decref(found);
    history_close(second);

    ok(history_open("/proc/cnb-cannot-exist/history.sqlite") == NULL, "an unwritable path fails cleanly");
    ok(remove_tree(dir) == 0, "rm -rf of the folder");
    return tap_done();
}
