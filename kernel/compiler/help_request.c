// SPDX-License-Identifier: BSD-3-Clause
/* Help lines; see help_request.h. */
#include "help_request.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_name_start(char c)
{
    return isalpha((unsigned char)c) || c == '_';
}

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static size_t count_marks(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && p[n] == '?')
        n++;
    return n;
}

/* The name of a help line [p, end), trimmed, or 0 when it is not one:
 * one or two '?' on exactly one side of a C identifier, nothing else. */
static size_t help_name(const char *p, const char *end, const char **name)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    size_t before = count_marks(p, end);
    const char *start = p + before;
    if (start >= end || !is_name_start(*start))
        return 0;
    const char *stop = start;
    while (stop < end && is_name_char(*stop))
        stop++;
    size_t after = count_marks(stop, end);
    if (stop + after != end || (before == 0) == (after == 0) || before > 2 || after > 2)
        return 0;
    *name = start;
    return (size_t)(stop - start);
}

/* A line that ends an expression's operand (`x = flag ?` then `flag?`
 * cannot be a help line in the middle of a ternary): only after a line
 * that ends a statement, a block or a directive, or at the top. */
static bool may_start_statement(const char *code, const char *line)
{
    const char *p = line;
    while (p > code && isspace((unsigned char)p[-1]))
        p--;
    if (p == code)
        return true;
    const char *line_start = p;
    while (line_start > code && line_start[-1] != '\n')
        line_start--;
    while (isspace((unsigned char)*line_start))
        line_start++;
    return p[-1] == ';' || p[-1] == '}' || p[-1] == '{' || *line_start == '#' || *line_start == '%';
}

int help_requests_take(char *code, StringList *names)
{
    for (char *line = code; line && *line;) {
        char *end = strchr(line, '\n');
        char *stop = end ? end : line + strlen(line);
        const char *name;
        size_t length = help_name(line, stop, &name);
        if (length > 0 && may_start_statement(code, line)) {
            char *copy = strndup(name, length);
            if (!copy || string_list_add(names, copy) != 0) {
                free(copy);
                return -1;
            }
            free(copy);
            memset(line, ' ', (size_t)(stop - line));
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}
