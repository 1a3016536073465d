// SPDX-License-Identifier: BSD-3-Clause
/* Preprocessor conditionals; see conditionals.h. */
#include "conditionals.h"
#include "c_lexer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARKER "cnb_line_"

typedef enum LineKind {
    LINE_BLANK,
    LINE_CODE,
    LINE_CONDITIONAL,       /* #if #ifdef #ifndef #elif #else #endif, continuations too */
    LINE_DIRECTIVE,         /* any other directive's first line */
    LINE_DIRECTIVE_MORE     /* its continuation lines */
} LineKind;

typedef struct Lines {
    LineKind *kind;
    char **start;           /* into the text */
    size_t count;
} Lines;

/* The directive's name: "if", "ifdef", "define"... */
static bool directive_is(const char *code, const CToken *t, const char *const *names)
{
    const char *p = code + t->start + 1, *end = code + t->start + t->length;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = 0;
    while (p + n < end && isalpha((unsigned char)p[n]))
        n++;
    for (; *names; names++)
        if (strlen(*names) == n && memcmp(p, *names, n) == 0)
            return true;
    return false;
}

static const char *const opening[] = {"if", "ifdef", "ifndef", NULL};
static const char *const conditional[] = {"if", "ifdef", "ifndef", "elif", "else", "endif",
                                          "elifdef", "elifndef", NULL};

bool conditionals_present(const char *code)
{
    CTokens tokens = {0};
    if (c_lex(code, strlen(code), &tokens) != 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < tokens.count && !found; i++)
        found = tokens.items[i].kind == CTOK_DIRECTIVE && directive_is(code, &tokens.items[i], opening);
    c_tokens_free(&tokens);
    return found;
}

static void lines_free(Lines *lines)
{
    free(lines->kind);
    free(lines->start);
}

static size_t line_length(const char *line)
{
    return strcspn(line, "\n");
}

static int lines_read(char *code, Lines *lines)
{
    *lines = (Lines){0};
    size_t count = 1;
    for (const char *p = code; *p; p++)
        count += *p == '\n';
    lines->kind = calloc(count, sizeof *lines->kind);
    lines->start = calloc(count, sizeof *lines->start);
    CTokens tokens = {0};
    if (!lines->kind || !lines->start || c_lex(code, strlen(code), &tokens) != 0) {
        lines_free(lines);
        return -1;
    }
    lines->count = count;
    char *p = code;
    for (size_t i = 0; i < count; i++) {
        lines->start[i] = p;
        size_t n = line_length(p);
        bool blank = true;
        for (size_t k = 0; k < n; k++)
            blank &= isspace((unsigned char)p[k]) != 0;
        lines->kind[i] = blank ? LINE_BLANK : LINE_CODE;
        p += n + (p[n] == '\n');
    }
    for (size_t t = 0; t < tokens.count; t++) {
        const CToken *token = &tokens.items[t];
        if (token->kind != CTOK_DIRECTIVE || token->line < 1 || (size_t)token->line > count)
            continue;
        bool is_conditional = directive_is(code, token, conditional);
        size_t first = (size_t)token->line - 1, last = first;
        for (size_t k = 0; k < token->length; k++)
            last += code[token->start + k] == '\n';
        for (size_t i = first; i <= last && i < count; i++)
            lines->kind[i] = is_conditional ? LINE_CONDITIONAL : i == first ? LINE_DIRECTIVE : LINE_DIRECTIVE_MORE;
    }
    c_tokens_free(&tokens);
    return 0;
}

static int put_line(FILE *out, const char *line)
{
    return fprintf(out, "%.*s\n", (int)line_length(line), line) < 0 ? -1 : 0;
}

char *conditionals_probe(const char *code)
{
    char *copy = strdup(code);
    Lines lines;
    if (!copy || lines_read(copy, &lines) != 0) {
        free(copy);
        return NULL;
    }
    char *probe = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&probe, &size);
    int rc = out ? 0 : -1;
    for (size_t i = 0; i < lines.count && rc == 0; i++) {
        switch (lines.kind[i]) {
        case LINE_BLANK:
            rc = fputc('\n', out) == EOF ? -1 : 0;
            break;
        case LINE_CODE:
            rc = fprintf(out, MARKER "%zu\n", i + 1) < 0 ? -1 : 0;
            break;
        case LINE_DIRECTIVE:
            rc = fprintf(out, MARKER "%zu\n", i + 1) < 0 ? -1 : put_line(out, lines.start[i]);
            break;
        case LINE_CONDITIONAL:
        case LINE_DIRECTIVE_MORE:
            rc = put_line(out, lines.start[i]);
            break;
        }
    }
    if (out && fclose(out) != 0)
        rc = -1;
    lines_free(&lines);
    free(copy);
    if (rc != 0) {
        free(probe);
        return NULL;
    }
    return probe;
}

static void blank(char *line)
{
    memset(line, ' ', line_length(line));
}

int conditionals_apply(char *code, const char *preprocessed)
{
    Lines lines;
    if (lines_read(code, &lines) != 0)
        return -1;
    bool *kept = calloc(lines.count + 1, sizeof *kept);
    if (!kept) {
        lines_free(&lines);
        return -1;
    }
    for (const char *p = preprocessed; (p = strstr(p, MARKER)) != NULL;) {
        p += strlen(MARKER);
        unsigned long line = strtoul(p, NULL, 10);
        if (line >= 1 && line <= lines.count)
            kept[line] = true;
    }
    bool directive_kept = true;
    for (size_t i = 0; i < lines.count; i++) {
        switch (lines.kind[i]) {
        case LINE_BLANK:
            break;
        case LINE_CONDITIONAL:
            blank(lines.start[i]);
            break;
        case LINE_CODE:
            if (!kept[i + 1])
                blank(lines.start[i]);
            break;
        case LINE_DIRECTIVE:
            directive_kept = kept[i + 1];
            /* fall through */
        case LINE_DIRECTIVE_MORE:
            if (!directive_kept)
                blank(lines.start[i]);
            break;
        }
    }
    free(kept);
    lines_free(&lines);
    return 0;
}
