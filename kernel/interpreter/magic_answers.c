// SPDX-License-Identifier: BSD-3-Clause
/* The answers of %who, %cflags and `name?`; see magic_answers.h. */
#include "magic_answers.h"
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *who_text(const CellState *state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    size_t shown = 0;
    for (size_t i = 0; out && i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        if (entry->kind != ENTRY_VARIABLE)
            continue;
        if (shown++ == 0)
            fprintf(out, "%-20s %s\n%-20s %s\n", "Variable", "Type", "--------", "----");
        fprintf(out, "%-20s %s\n", entry->keys[0], entry->type ? entry->type : "?");
    }
    if (out && shown == 0)
        fprintf(out, "Interactive namespace is empty.\n");
    if (out)
        fclose(out);
    return text;
}

char *flags_text(const StringList *cflags, const StringList *ldflags)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out) {
        fprintf(out, "cflags:");
        for (size_t i = 0; i < cflags->count; i++)
            fprintf(out, " %s", cflags->items[i]);
        fprintf(out, "\nldflags:");
        for (size_t i = 0; i < ldflags->count; i++)
            fprintf(out, " %s", ldflags->items[i]);
        fprintf(out, "\n");
        fclose(out);
    }
    return text;
}

void answer_help(Interpreter *interp, json_t *(*help)(Interpreter *, const char *),
                 const StringList *names, const ExecuteSink *sink, ExecuteOutcome *outcome)
{
    for (size_t i = 0; i < names->count; i++) {
        const char *name = names->items[i];
        json_t *found = help ? help(interp, name) : NULL;
        if (json_is_true(json_object_get(found, "found"))) {
            if (!outcome->payload)
                outcome->payload = json_array();
            json_array_append_new(outcome->payload,
                                  json_pack("{s:s, s:O, s:i}", "source", "page", "data",
                                            json_object_get(found, "data"), "start", 0));
        } else {
            char *text = NULL;
            if (asprintf(&text, "%s?: nothing named %s is declared in cnb.h or an earlier cell\n",
                         name, name) >= 0)
                sink_text(sink, "stderr", text);
            free(text);
        }
        json_decref(found);
    }
}
