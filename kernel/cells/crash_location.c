/* Fault locations via addr2line; see crash_location.h. */
#include "crash_location.h"
#include "run_program.h"

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

char *crash_location(const char *library, long offset)
{
    char address[32];
    snprintf(address, sizeof address, "0x%lx", offset);
    char *argv[] = {"addr2line", "-f", "-e", (char *)library, address, NULL};
    char *output = NULL;
    if (run_program(argv, NULL, &output) != 0 || !output) {
        free(output);
        return NULL;
    }
    char *function = strtok(output, "\n");
    char *where = function ? strtok(NULL, "\n") : NULL;
    char *text = NULL;
    char *colon = where ? strrchr(where, ':') : NULL;
    if (colon && colon[1] != '?' && strncmp(where, "??", 2) != 0) {
        *colon = '\0';
        const char *name = function ? user_name(function) : NULL;
        int line = atoi(colon + 1);
        /* " (discriminator 1)" and similar trail the line number. */
        /* The debug info names the cell file by its path in the work directory. */
        const char *slash = strrchr(where, '/');
        if (asprintf(&text, "in %s, line %d%s%s", slash ? slash + 1 : where, line, name ? ", in function " : "",
                     name ? name : "") < 0)
            text = NULL;
    }
    free(output);
    return text;
}
