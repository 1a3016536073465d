// SPDX-License-Identifier: BSD-3-Clause
/* The cell splitter's view of the lexer's tokens, shared by its passes:
 * the chunker (cell_chunker.c: where each top-level item ends) and the
 * classifier (cell_classifier.c: what the item is), driven by
 * cell_splitter.c.  Internal to the splitter. */
#ifndef CNB_COMPILER_CELL_TOKENS_H
#define CNB_COMPILER_CELL_TOKENS_H

#include "cell_splitter.h"
#include "c_lexer.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct Splitter {
    const char *code;       /* the cell as written */
    char *work;             /* the cell with removed storage classes blanked */
    CToken *tok;            /* code tokens (no comments, no directives) */
    size_t count;
    TypeNamePredicate is_type;
    void *context;
    CellPlan *plan;
} Splitter;

/* The keyword lists (cell_tokens.c); each ends with NULL. */
extern const char *const statement_words[];
extern const char *const storage_words[];
extern const char *const qualifier_words[];
extern const char *const type_words[];
extern const char *const paren_words[];
extern const char *const known_types[];

static inline bool word_in(const char *word, size_t length, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == length && memcmp(*list, word, length) == 0)
            return true;
    return false;
}

static inline const CToken *tk(const Splitter *s, size_t i)
{
    return i < s->count ? &s->tok[i] : NULL;
}

static inline bool is(const Splitter *s, size_t i, const char *word)
{
    const CToken *t = tk(s, i);
    return t && ctoken_is(s->code, t, word);
}

static inline bool is_in(const Splitter *s, size_t i, const char *const *list)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_IDENT && word_in(s->code + t->start, t->length, list);
}

static inline bool is_ident(const Splitter *s, size_t i)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_IDENT && !is_in(s, i, statement_words) &&
           !is_in(s, i, storage_words) && !is_in(s, i, qualifier_words) &&
           !is_in(s, i, type_words) && !is_in(s, i, paren_words) &&
           !is(s, i, "struct") && !is(s, i, "union") && !is(s, i, "enum") &&
           !is(s, i, "sizeof");
}

static inline char *token_text(const Splitter *s, size_t i)
{
    return strndup(s->code + s->tok[i].start, s->tok[i].length);
}

static inline bool names_type(const Splitter *s, size_t i)
{
    const CToken *t = tk(s, i);
    if (!t || t->kind != CTOK_IDENT)
        return false;
    if (word_in(s->code + t->start, t->length, known_types))
        return true;
    if (!s->is_type)
        return false;
    char *name = token_text(s, i);
    bool answer = name && s->is_type(name, s->context);
    free(name);
    return answer;
}

/* Index just past the bracket group opening at i (or i + 1 if none). */
static inline size_t skip_group(const Splitter *s, size_t i, size_t end)
{
    if (i >= end || s->tok[i].kind != CTOK_PUNCT)
        return i + 1;
    int depth = 0;
    for (size_t j = i; j < end; j++) {
        const CToken *t = &s->tok[j];
        if (t->kind != CTOK_PUNCT || t->length != 1)
            continue;
        char c = s->code[t->start];
        if (c == '(' || c == '[' || c == '{')
            depth++;
        else if ((c == ')' || c == ']' || c == '}') && --depth == 0)
            return j + 1;
    }
    return end;
}


static inline bool punct(const Splitter *s, size_t i, char c)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_PUNCT && t->length == 1 && s->code[t->start] == c;
}

/* cell_chunker.c: end (exclusive) of the chunk starting at start;
 * *terminated is false for a trailing chunk without ';' or '}'. */
size_t cell_chunk_end(const Splitter *s, size_t start, bool *terminated);

/* cell_classifier.c: the plan items of the chunk [first, end). */
int cell_classify(Splitter *s, size_t first, size_t end, bool terminated);
/* A new item of the plan over tokens [first, end); NULL if out of memory. */
CellItem *cell_add_item(Splitter *s, CellItemKind kind, size_t first, size_t end);

#endif
