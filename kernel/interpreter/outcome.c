// SPDX-License-Identifier: BSD-3-Clause
/* Outcome and sink helpers; see outcome.h. */
#include "outcome.h"
#include "wire/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void outcome_set_error(ExecuteOutcome *outcome, const char *ename, const char *evalue, json_t *traceback)
{
    outcome->status = EXECUTE_ERROR;
    free(outcome->ename);
    free(outcome->evalue);
    outcome->ename = strdup(ename);
    outcome->evalue = strdup(evalue ? evalue : "");
    json_decref(outcome->traceback);
    outcome->traceback = traceback ? traceback : json_array();
    char *first = NULL;
    if (asprintf(&first, "%s: %s", ename, outcome->evalue) >= 0)
        json_array_insert_new(outcome->traceback, 0, json_string(first));
    free(first);
}

json_t *text_lines(const char *text)
{
    json_t *lines = json_array();
    if (!text)
        return lines;
    size_t size;
    char *clean = utf8_sanitize(text, strlen(text), &size);
    for (char *line = clean, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = line + strlen(line);
        json_array_append_new(lines, json_string(line));
    }
    free(clean);
    return lines;
}

void sink_text(const ExecuteSink *sink, const char *name, const char *text)
{
    if (sink && sink->stream && text && *text)
        sink->stream(sink->context, name, text, strlen(text));
}
