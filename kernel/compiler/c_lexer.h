// SPDX-License-Identifier: BSD-3-Clause
/* A small C lexer: enough of C's lexical grammar to find the top-level
 * structure of a cell (brackets, semicolons, directives) without being
 * fooled by strings, character literals or comments.  The cell splitter and
 * is_complete share it; semantic questions go to libclang. */
#ifndef CNB_COMPILER_C_LEXER_H
#define CNB_COMPILER_C_LEXER_H

#include <stdbool.h>
#include <stddef.h>

typedef enum CTokenKind {
    CTOK_IDENT,
    CTOK_NUMBER,
    CTOK_STRING,
    CTOK_CHAR,
    CTOK_PUNCT,
    CTOK_COMMENT,
    CTOK_DIRECTIVE      /* a whole preprocessor line, continuations included */
} CTokenKind;

typedef struct CToken {
    CTokenKind kind;
    size_t start, length;   /* byte range in the text */
    int line;               /* 1-based line of the first byte */
    bool unterminated;      /* string, char, comment or directive running off the end */
} CToken;

typedef struct CTokens {
    CToken *items;
    size_t count, capacity;
} CTokens;

/* Tokenizes text; returns 0, or -1 when out of memory. */
int c_lex(const char *text, size_t size, CTokens *out);
void c_tokens_free(CTokens *tokens);

/* True when the token's text equals word. */
bool ctoken_is(const char *text, const CToken *token, const char *word);

#endif
