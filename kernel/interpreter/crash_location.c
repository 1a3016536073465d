// SPDX-License-Identifier: BSD-3-Clause
/* Fault locations via addr2line; see crash_location.h. */
#include "crash_location.h"
#include "compiler/run_program.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "cnb_c7_f" -> "f"; the cell body has no function name to show. */
static const char *user_name(const char *symbol)
{
    if (strncmp(symbol, "cnb_cell_", 9) == 0 || strncmp(symbol, "cnb_timeit_", 11) == 0)
        return NULL;
    if (strncmp(symbol, "cnb_c", 5) == 0) {
        const char *underscore = strchr(symbol + 5, '_');
        if (underscore)
            return underscore + 1;
    }
    return symbol;
}

/* The cell's name for a debugger's path of it, or NULL. */
static const char *renamed(const StringList *renames, const char *file, size_t length)
{
    for (size_t i = 0; renames && i + 1 < renames->count; i += 2)
        if (strlen(renames->items[i]) == length && strncmp(renames->items[i], file, length) == 0)
            return renames->items[i + 1];
    return NULL;
}

static size_t file_length(const char *place)
{
    const char *colon = strrchr(place, ':');
    return colon ? (size_t)(colon - place) : strlen(place);
}

/* With -i, addr2line prints a function and a place for each level of
 * inlining, innermost first; a fault inside an inlined libc wrapper
 * (_FORTIFY_SOURCE's strcpy) belongs to the cell line that called it. */
static void pick_level(char *output, const StringList *renames, char **function, char **where)
{
    *function = *where = NULL;
    char *save = NULL;
    for (char *name = strtok_r(output, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
        char *place = strtok_r(NULL, "\n", &save);
        if (!place)
            break;
        const char *slash = strrchr(place, '/');
        bool in_cell = strncmp(slash ? slash + 1 : place, "In[", 3) == 0 ||
                       renamed(renames, place, file_length(place)) != NULL;
        if (!*where || in_cell) {
            *function = name;
            *where = place;
        }
        if (in_cell)
            break;
    }
}

char *crash_location(const char *library, long offset, const StringList *renames)
{
    char address[32];
    snprintf(address, sizeof address, "0x%lx", offset);
    char *argv[] = {"addr2line", "-f", "-i", "-e", (char *)library, address, NULL};
    char *output = NULL;
    if (run_program(argv, NULL, &output) != 0 || !output) {
        free(output);
        return NULL;
    }
    char *function, *where;
    pick_level(output, renames, &function, &where);
    char *text = NULL;
    char *colon = where ? strrchr(where, ':') : NULL;
    if (colon && colon[1] != '?' && strncmp(where, "??", 2) != 0) {
        *colon = '\0';
        const char *name = function ? user_name(function) : NULL;
        int line = atoi(colon + 1);
        /* " (discriminator 1)" and similar trail the line number. */
        /* The debug info names the cell file by its path in the work directory. */
        const char *slash = strrchr(where, '/');
        const char *cell = renamed(renames, where, strlen(where));
        if (asprintf(&text, "in %s, line %d%s%s", cell ? cell : slash ? slash + 1 : where, line,
                     name ? ", in function " : "", name ? name : "") < 0)
            text = NULL;
    }
    free(output);
    return text;
}
