// SPDX-License-Identifier: BSD-3-Clause
/* C lexer for cells; see c_lexer.h. */
#include "c_lexer.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int push(CTokens *out, CTokenKind kind, size_t start, size_t end, int line,
                bool unterminated)
{
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? 2 * out->capacity : 64;
        CToken *items = realloc(out->items, capacity * sizeof *items);
        if (!items)
            return -1;
        out->items = items;
        out->capacity = capacity;
    }
    out->items[out->count++] = (CToken){kind, start, end - start, line, unterminated};
    return 0;
}

static int count_lines(const char *text, size_t from, size_t to)
{
    int lines = 0;
    for (size_t i = from; i < to; i++)
        lines += text[i] == '\n';
    return lines;
}

/* End of a quoted literal starting at i (the quote); sets *closed. */
static size_t skip_quoted(const char *text, size_t size, size_t i, bool *closed)
{
    char quote = text[i++];
    while (i < size && text[i] != quote && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < size)
            i++;
        i++;
    }
    *closed = i < size && text[i] == quote;
    return *closed ? i + 1 : i;
}

/* End of a directive line starting at i, following backslash continuations. */
static size_t skip_directive(const char *text, size_t size, size_t i, bool *continued)
{
    *continued = false;
    while (i < size && text[i] != '\n') {
        if (text[i] == '\\' && i + 1 < size && text[i + 1] == '\n')
            i++;
        else if (text[i] == '\\' && i + 1 == size)
            *continued = true;
        else if (text[i] == '/' && i + 1 < size && text[i + 1] == '*') {
            /* A block comment may carry the directive over lines. */
            const char *end = strstr(text + i + 2, "*/");
            if (!end || (size_t)(end - text) >= size)
                return size;
            i = (size_t)(end - text) + 1;
        }
        i++;
    }
    return i;
}

static const char *const punctuators[] = {
    ">>=", "<<=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "*=", "/=", "%=", "+=", "-=", "&=", "^=", "|=", "##", NULL
};

static size_t punct_length(const char *text, size_t size, size_t i)
{
    for (const char *const *p = punctuators; *p; p++) {
        size_t n = strlen(*p);
        if (i + n <= size && memcmp(text + i, *p, n) == 0)
            return n;
    }
    return 1;
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* String and character prefixes: L"..", u8"..", u'..', U"..". */
static bool is_literal_prefix(const char *text, size_t start, size_t end)
{
    size_t n = end - start;
    return (n == 1 && strchr("LuU", text[start])) || (n == 2 && memcmp(text + start, "u8", 2) == 0);
}

int c_lex(const char *text, size_t size, CTokens *out)
{
    int line = 1;
    bool line_start = true;
    size_t i = 0;
    while (i < size) {
        char c = text[i];
        if (c == '\n' || isspace((unsigned char)c)) {
            if (c == '\n') {
                line++;
                line_start = true;
            }
            i++;
            continue;
        }
        if (c == '\\' && i + 1 < size && text[i + 1] == '\n') {
            i += 2;
            line++;
            continue;
        }
        size_t start = i, end;
        CTokenKind kind;
        bool unterminated = false;
        if (c == '#' && line_start) {
            bool continued;
            end = skip_directive(text, size, i, &continued);
            kind = CTOK_DIRECTIVE;
            unterminated = continued;
        } else if (c == '/' && i + 1 < size && text[i + 1] == '/') {
            end = i;
            while (end < size && text[end] != '\n') {
                if (text[end] == '\\' && end + 1 < size && text[end + 1] == '\n')
                    end++;
                end++;
            }
            kind = CTOK_COMMENT;
        } else if (c == '/' && i + 1 < size && text[i + 1] == '*') {
            const char *close = NULL;
            for (size_t j = i + 2; j + 1 < size; j++)
                if (text[j] == '*' && text[j + 1] == '/') {
                    close = text + j;
                    break;
                }
            end = close ? (size_t)(close - text) + 2 : size;
            unterminated = !close;
            kind = CTOK_COMMENT;
        } else if (c == '"' || c == '\'') {
            bool closed;
            end = skip_quoted(text, size, i, &closed);
            unterminated = !closed;
            kind = c == '"' ? CTOK_STRING : CTOK_CHAR;
        } else if (isdigit((unsigned char)c) || (c == '.' && i + 1 < size && isdigit((unsigned char)text[i + 1]))) {
            end = i + 1;
            while (end < size) {
                char d = text[end];
                if ((d == '+' || d == '-') && strchr("eEpP", text[end - 1]))
                    end++;
                else if (is_ident_char(d) || d == '.' || d == '\'')
                    end++;
                else
                    break;
            }
            kind = CTOK_NUMBER;
        } else if (is_ident_char(c)) {
            end = i + 1;
            while (end < size && is_ident_char(text[end]))
                end++;
            kind = CTOK_IDENT;
            if (end < size && (text[end] == '"' || text[end] == '\'') &&
                is_literal_prefix(text, start, end)) {
                bool closed;
                kind = text[end] == '"' ? CTOK_STRING : CTOK_CHAR;
                end = skip_quoted(text, size, end, &closed);
                unterminated = !closed;
            }
        } else {
            end = i + punct_length(text, size, i);
            kind = CTOK_PUNCT;
        }
        if (push(out, kind, start, end, line, unterminated) != 0)
            return -1;
        line += count_lines(text, start, end);
        /* A block comment on its own keeps a following '#' a directive. */
        if (!(kind == CTOK_COMMENT && text[start + 1] == '*' && count_lines(text, start, end) == 0))
            line_start = false;
        i = end;
    }
    return 0;
}

void c_tokens_free(CTokens *tokens)
{
    free(tokens->items);
    *tokens = (CTokens){0};
}

bool ctoken_is(const char *text, const CToken *token, const char *word)
{
    size_t n = strlen(word);
    return token->length == n && memcmp(text + token->start, word, n) == 0;
}
