// SPDX-License-Identifier: BSD-3-Clause
/* The macros a cell's headers bring; see included_macros.h. */
#include "included_macros.h"
#include "c_lexer.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARKER "cnb_cell_directives_"

typedef struct Text {
    char *data;
    size_t size;
    FILE *stream;
} Text;

static bool is_directive(const char *code, const CToken *t, const char *word)
{
    const char *p = code + t->start + 1, *end = code + t->start + t->length;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

char *included_macros_probe(const char *header, const char *prelude, const char *code)
{
    Text t = {0};
    if (!(t.stream = open_memstream(&t.data, &t.size)))
        return NULL;
    fprintf(t.stream, "%s\n%s\n#define " MARKER "\n", header, prelude ? prelude : "");
    CTokens tokens = {0};
    bool ok = c_lex(code, strlen(code), &tokens) == 0;
    for (size_t i = 0; ok && i < tokens.count; i++) {
        const CToken *d = &tokens.items[i];
        if (d->kind == CTOK_DIRECTIVE && (is_directive(code, d, "include") || is_directive(code, d, "define") ||
                                          is_directive(code, d, "undef")))
            fprintf(t.stream, "%.*s\n", (int)d->length, code + d->start);
    }
    c_tokens_free(&tokens);
    if (fclose(t.stream) != 0 || !ok) {
        free(t.data);
        return NULL;
    }
    return t.data;
}

/* `# 12 "file" 1 3`: sets *file (malloc'd) to the file name. */
static bool line_marker(const char *line, size_t n, char **file)
{
    if (n < 4 || line[0] != '#' || line[1] != ' ' || line[2] < '0' || line[2] > '9')
        return false;
    const char *open = memchr(line, '"', n);
    const char *close = open ? memchr(open + 1, '"', n - (size_t)(open + 1 - line)) : NULL;
    if (!close)
        return false;
    free(*file);
    *file = strndup(open + 1, (size_t)(close - open - 1));
    return true;
}

char *included_macros_collect(const char *preprocessed, const char *probe_name)
{
    Text t = {0};
    if (!(t.stream = open_memstream(&t.data, &t.size)))
        return NULL;
    char *file = NULL;
    bool after_marker = false;
    for (const char *line = preprocessed; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (line_marker(line, n, &file)) {
            /* the file gcc is in now */
        } else if (!after_marker) {
            after_marker = n >= 8 + strlen(MARKER) && memcmp(line, "#define " MARKER, 8 + strlen(MARKER)) == 0;
        } else if (file && strcmp(file, probe_name) != 0 &&
                   ((n > 8 && memcmp(line, "#define ", 8) == 0) || (n > 7 && memcmp(line, "#undef ", 7) == 0))) {
            fprintf(t.stream, "%.*s\n", (int)n, line);
        }
        line = end ? end + 1 : NULL;
    }
    free(file);
    if (fclose(t.stream) != 0)
        return free(t.data), NULL;
    return t.data;
}
