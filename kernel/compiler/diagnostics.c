// SPDX-License-Identifier: BSD-3-Clause
/* Diagnostics tidying; see diagnostics.h. */
#include "diagnostics.h"
#include "cell_source.h"
#include "runtime_names.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A record is a header line (not indented) with its indented quote lines. */
static bool is_header(const char *line)
{
    return line[0] != ' ' && line[0] != '\t' && line[0] != '|';
}

static bool drop_record(const char *header, size_t n)
{
    static const char *const noise[] = {
        "cnb_value_", "cnb_timed_", "In function \xE2\x80\x98" "cnb_cell_", "In function 'cnb_cell_",
        "In file included from cnb_pch.h", "macro \xE2\x80\x98" "cnb_show", "macro 'cnb_show",
        "some warnings being treated as errors", CELL_FUNCTION_FILE, NULL
    };
    for (const char *const *word = noise; *word; word++)
        if (memmem(header, n, *word, strlen(*word)))
            return true;
    return false;
}

char *diagnostics_tidy(const char *text)
{
    if (!text)
        return NULL;
    char *out = malloc(strlen(text) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    bool dropping = false;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) + 1 : strlen(line);
        /* A note that follows a dropped message belongs to it. */
        if (is_header(line))
            dropping = drop_record(line, n) || (dropping && memmem(line, n, ": note: ", 8));
        if (!dropping) {
            memcpy(out + o, line, n);
            o += n;
        }
        line += n;
    }
    out[o] = '\0';
    char *plain = runtime_names_unprefix(out);
    free(out);
    return plain;
}
