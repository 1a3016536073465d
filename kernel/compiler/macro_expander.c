// SPDX-License-Identifier: BSD-3-Clause
/* Macro expansion of a cell's top-level code; see macro_expander.h.
 *
 * The algorithm is the standard's, as Prosser wrote it down (and as gcc
 * and clang implement it): every token carries a hide set, the names of
 * the macros it came out of; a name in its own hide set is not expanded
 * again.  Arguments are expanded before they are substituted, except next
 * to # and ##; the result is rescanned together with what follows, so a
 * function-like name produced by one macro can take its arguments from the
 * cell.  GNU's `, ## __VA_ARGS__` and C23's __VA_OPT__ are understood.
 * Only the macros of the table are expanded (the user's, their headers'):
 * cnb.h's stay for gcc. */
#include "macro_expander.h"
#include "c_lexer.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct PPToken {
    char *text;
    CTokenKind kind;
    bool space;                 /* white space before it */
    const char **hide;          /* names of Macro entries (stable during one expansion) */
    size_t hide_count;
} PPToken;

typedef struct TokenList {
    PPToken *items;
    size_t count, capacity;
} TokenList;

typedef struct Buffer {
    char *data;
    size_t size, capacity;
    bool failed;
} Buffer;

/* Where a top-level expansion takes more tokens from: the cell itself. */
typedef struct CellStream {
    const char *code;
    const CToken *tokens;
    size_t count, next;         /* the next cell token to read */
} CellStream;

/* Macros can grow exponentially (`#define A B B`, `#define B C C`, ...);
 * gcc would take its time, but the splitter runs in the kernel's front.
 * Past this many substituted tokens the cell is split as written. */
#define TOKEN_BUDGET 200000

typedef struct Expander {
    const MacroTable *table;
    CellStream *stream;         /* NULL while expanding an argument */
    size_t budget;              /* tokens that may still be substituted */
    bool failed, too_big;
} Expander;

/* ---- small containers ---- */

static void buffer_add(Buffer *b, const char *text, size_t n)
{
    if (b->failed)
        return;
    if (b->size + n + 1 > b->capacity) {
        size_t capacity = (b->capacity + n + 1) * 2;
        char *data = realloc(b->data, capacity);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, text, n);
    b->size += n;
    b->data[b->size] = '\0';
}

static void token_free(PPToken *t)
{
    free(t->text);
    free(t->hide);
}

static void list_free(TokenList *list)
{
    for (size_t i = 0; i < list->count; i++)
        token_free(&list->items[i]);
    free(list->items);
    *list = (TokenList){0};
}

static bool list_reserve(TokenList *list, size_t more)
{
    if (list->count + more <= list->capacity)
        return true;
    size_t capacity = (list->count + more) * 2;
    PPToken *items = realloc(list->items, capacity * sizeof *items);
    if (!items)
        return false;
    list->items = items;
    list->capacity = capacity;
    return true;
}

static bool hide_has(const PPToken *t, const char *name)
{
    for (size_t i = 0; i < t->hide_count; i++)
        if (t->hide[i] == name)
            return true;
    return false;
}

static bool hide_add(PPToken *t, const char *name)
{
    if (hide_has(t, name))
        return true;
    const char **hide = realloc(t->hide, (t->hide_count + 1) * sizeof *hide);
    if (!hide)
        return false;
    hide[t->hide_count++] = name;
    t->hide = hide;
    return true;
}

/* A deep copy of t (text and hide set). */
static bool token_copy(PPToken *to, const PPToken *t)
{
    *to = (PPToken){.kind = t->kind, .space = t->space, .text = strdup(t->text)};
    if (!to->text)
        return false;
    for (size_t i = 0; i < t->hide_count; i++)
        if (!hide_add(to, t->hide[i]))
            return false;
    return true;
}

/* Appends a copy of t. */
static bool list_push_copy(TokenList *list, const PPToken *t)
{
    if (!list_reserve(list, 1) || !token_copy(&list->items[list->count], t))
        return false;
    list->count++;
    return true;
}

/* Appends t, taking its strings. */
static bool list_push(TokenList *list, PPToken *t)
{
    if (!list_reserve(list, 1)) {
        token_free(t);
        return false;
    }
    list->items[list->count++] = *t;
    return true;
}

static bool is_punct(const PPToken *t, const char *p)
{
    return t->kind == CTOK_PUNCT && strcmp(t->text, p) == 0;
}

static bool space_before(const char *code, size_t start)
{
    return start > 0 && (isspace((unsigned char)code[start - 1]) || code[start - 1] == '/');
}

/* The tokens of text (comments dropped), or -1.  A leading '#' of a macro
 * body is not a directive: the body is lexed after a ';' that is dropped. */
static int lex_body(const char *text, TokenList *out)
{
    size_t n = strlen(text);
    char *padded = malloc(n + 2);
    if (!padded)
        return -1;
    padded[0] = ';';
    memcpy(padded + 1, text, n + 1);
    CTokens tokens = {0};
    int rc = c_lex(padded, n + 1, &tokens);
    for (size_t i = 1; rc == 0 && i < tokens.count; i++) {
        const CToken *c = &tokens.items[i];
        if (c->kind == CTOK_COMMENT)
            continue;
        PPToken t = {.kind = c->kind, .space = space_before(padded, c->start),
                     .text = strndup(padded + c->start, c->length)};
        if (!t.text || !list_push(out, &t))
            rc = -1;
    }
    c_tokens_free(&tokens);
    free(padded);
    return rc;
}

/* ---- the expansion ---- */

static const Macro *macro_of(const Expander *e, const PPToken *t)
{
    if (t->kind != CTOK_IDENT)
        return NULL;
    const Macro *m = macro_table_find(e->table, t->text, strlen(t->text));
    return m && !hide_has(t, m->name) ? m : NULL;
}

/* Reads one more cell token into work (a top-level expansion looking for
 * its arguments); false at a directive or the end of the cell. */
static bool pull(Expander *e, TokenList *work)
{
    CellStream *s = e->stream;
    if (!s)
        return false;
    while (s->next < s->count && s->tokens[s->next].kind == CTOK_COMMENT)
        s->next++;
    if (s->next >= s->count || s->tokens[s->next].kind == CTOK_DIRECTIVE)
        return false;
    const CToken *c = &s->tokens[s->next++];
    PPToken t = {.kind = c->kind, .space = space_before(s->code, c->start),
                 .text = strndup(s->code + c->start, c->length)};
    if (!t.text || !list_push(work, &t)) {
        e->failed = true;
        return false;
    }
    return true;
}

static int expand_list(Expander *e, TokenList *work, TokenList *out);

/* The arguments of an invocation whose '(' is work[open]: raw token lists,
 * and the index of the ')' in *close.  False when the cell ends first. */
static bool collect_args(Expander *e, TokenList *work, size_t open, const Macro *m,
                         TokenList **args, size_t *arg_count, size_t *close)
{
    size_t count = 1;
    TokenList *list = calloc(1, sizeof *list);
    if (!list)
        return e->failed = true, false;
    int depth = 0;
    for (size_t i = open + 1;; i++) {
        if (i >= work->count && !pull(e, work))
            break;
        PPToken *t = &work->items[i];
        bool last_variadic = m->variadic && count == m->param_count;
        if (depth == 0 && is_punct(t, ")")) {
            *args = list;
            *arg_count = count;
            *close = i;
            return true;
        }
        if (depth == 0 && is_punct(t, ",") && !last_variadic) {
            TokenList *more = realloc(list, (count + 1) * sizeof *more);
            if (!more)
                break;
            list = more;
            list[count++] = (TokenList){0};
            continue;
        }
        if (is_punct(t, "("))
            depth++;
        else if (is_punct(t, ")"))
            depth--;
        if (!list_push_copy(&list[count - 1], t)) {
            e->failed = true;
            break;
        }
    }
    for (size_t a = 0; a < count; a++)
        list_free(&list[a]);
    free(list);
    return false;
}

static int param_index(const Macro *m, const PPToken *t)
{
    if (t->kind != CTOK_IDENT)
        return -1;
    for (size_t i = 0; i < m->param_count; i++)
        if (strcmp(m->params[i], t->text) == 0)
            return (int)i;
    return -1;
}

/* #arg: the argument's spelling as one string literal. */
static bool stringize(const TokenList *arg, bool space, TokenList *out)
{
    Buffer b = {0};
    buffer_add(&b, "\"", 1);
    for (size_t i = 0; i < arg->count; i++) {
        const PPToken *t = &arg->items[i];
        if (i > 0 && t->space)
            buffer_add(&b, " ", 1);
        bool literal = t->kind == CTOK_STRING || t->kind == CTOK_CHAR;
        for (const char *p = t->text; *p; p++) {
            if (literal && (*p == '"' || *p == '\\'))
                buffer_add(&b, "\\", 1);
            buffer_add(&b, p, 1);
        }
    }
    buffer_add(&b, "\"", 1);
    if (b.failed)
        return false;
    PPToken t = {.kind = CTOK_STRING, .space = space, .text = b.data};
    return list_push(out, &t);
}

/* lhs ## rhs: one token when the two spell one (gcc reports the others). */
static bool paste(PPToken *lhs, const PPToken *rhs, TokenList *out)
{
    size_t a = strlen(lhs->text), n = a + strlen(rhs->text);
    char *text = malloc(n + 1);
    if (!text)
        return false;
    memcpy(text, lhs->text, a);
    strcpy(text + a, rhs->text);
    CTokens tokens = {0};
    bool one = c_lex(text, n, &tokens) == 0 && tokens.count == 1 && tokens.items[0].length == n;
    CTokenKind kind = one ? tokens.items[0].kind : rhs->kind;
    c_tokens_free(&tokens);
    if (!one) {
        free(text);
        return list_push_copy(out, rhs);
    }
    free(lhs->text);
    lhs->text = text;
    lhs->kind = kind;
    for (size_t i = 0; i < rhs->hide_count; i++)
        if (!hide_add(lhs, rhs->hide[i]))
            return false;
    return true;
}

static bool append_all(TokenList *out, const TokenList *from, size_t first, bool space)
{
    for (size_t i = first; i < from->count; i++) {
        if (!list_push_copy(out, &from->items[i]))
            return false;
        if (i == first)
            out->items[out->count - 1].space = space;
    }
    return true;
}

/* The fully expanded argument a (computed once). */
static const TokenList *expanded_arg(Expander *e, TokenList *args, TokenList *cache, bool *done, int a)
{
    if (!done[a]) {
        TokenList work = {0};
        for (size_t i = 0; i < args[a].count && !e->failed; i++)
            if (!list_push_copy(&work, &args[a].items[i]))
                e->failed = true;
        CellStream *stream = e->stream;
        e->stream = NULL;   /* an argument is expanded on its own */
        if (!e->failed && expand_list(e, &work, &cache[a]) != 0)
            e->failed = true;
        e->stream = stream;
        list_free(&work);
        done[a] = true;
    }
    return &cache[a];
}

typedef struct Substitution {
    Expander *e;
    const Macro *m;
    TokenList *args, *cache;
    bool *done;
    size_t arg_count;
    bool va_empty;
} Substitution;

static bool subst_range(Substitution *s, const TokenList *body, size_t from, size_t to, TokenList *out);

/* __VA_OPT__(tokens): the tokens when the variadic argument is not empty.
 * Returns the index after the group. */
static size_t va_opt(Substitution *s, const TokenList *body, size_t i, size_t to, TokenList *out)
{
    size_t open = i + 1, close = open;
    int depth = 0;
    for (; close < to; close++) {
        depth += is_punct(&body->items[close], "(") - is_punct(&body->items[close], ")");
        if (depth == 0)
            break;
    }
    if (!s->va_empty && close < to && !subst_range(s, body, open + 1, close, out))
        s->e->failed = true;
    return close + 1;
}

static bool subst_range(Substitution *s, const TokenList *body, size_t from, size_t to, TokenList *out)
{
    bool last_empty = false;    /* the previous item was an empty argument (a placemarker) */
    for (size_t i = from; i < to && !s->e->failed; i++) {
        const PPToken *t = &body->items[i];
        const PPToken *next = i + 1 < to ? &body->items[i + 1] : NULL;
        int p = param_index(s->m, t);
        bool argument = p >= 0 && (size_t)p < s->arg_count;
        bool missing = p >= 0 && !argument;     /* `F(a)` of F(a, ...): no variadic argument */
        if (s->m->function_like && is_punct(t, "#") && next && param_index(s->m, next) >= 0) {
            int q = param_index(s->m, next);
            TokenList empty = {0};
            if (!stringize((size_t)q < s->arg_count ? &s->args[q] : &empty, t->space, out))
                return false;
            i++;
            last_empty = false;
        } else if (is_punct(t, "##") && next) {
            int q = param_index(s->m, next);
            const TokenList *rhs = q >= 0 && (size_t)q < s->arg_count ? &s->args[q] : NULL;
            i++;
            if (q >= 0 && (!rhs || rhs->count == 0)) {
                /* GNU: `, ## __VA_ARGS__` with no arguments drops the comma. */
                if (s->m->variadic && (size_t)q + 1 == s->m->param_count && out->count > 0 &&
                    is_punct(&out->items[out->count - 1], ","))
                    token_free(&out->items[--out->count]);
                continue;
            }
            const PPToken *first = rhs ? &rhs->items[0] : next;
            if (out->count == 0 || last_empty) {
                if (!list_push_copy(out, first))
                    return false;
            } else if (!paste(&out->items[out->count - 1], first, out)) {
                return false;
            }
            if (rhs && !append_all(out, rhs, 1, rhs->count > 1 && rhs->items[1].space))
                return false;
            last_empty = false;
        } else if (s->m->variadic && t->kind == CTOK_IDENT && strcmp(t->text, "__VA_OPT__") == 0 &&
                   next && is_punct(next, "(")) {
            i = va_opt(s, body, i, to, out) - 1;
        } else if (missing) {
            last_empty = true;
        } else if (argument) {
            bool raw = next && is_punct(next, "##");
            const TokenList *arg = raw ? &s->args[p] : expanded_arg(s->e, s->args, s->cache, s->done, p);
            if (!append_all(out, arg, 0, t->space))
                return false;
            last_empty = arg->count == 0;
        } else {
            if (!list_push_copy(out, t))
                return false;
            last_empty = false;
        }
    }
    return !s->e->failed;
}

/* The replacement of m, with hide set hs added to every token. */
static bool substitute(Expander *e, const Macro *m, TokenList *args, size_t arg_count,
                       const PPToken *name, const PPToken *rparen, TokenList *out)
{
    TokenList body = {0};
    if (lex_body(m->body, &body) != 0)
        return false;
    TokenList *cache = calloc(arg_count + 1, sizeof *cache);
    bool *done = calloc(arg_count + 1, sizeof *done);
    bool va_empty = !m->variadic || arg_count < m->param_count || args[m->param_count - 1].count == 0;
    Substitution s = {.e = e, .m = m, .args = args, .cache = cache, .done = done,
                      .arg_count = arg_count, .va_empty = va_empty};
    bool ok = cache && done && subst_range(&s, &body, 0, body.count, out);
    if (ok && out->count > e->budget) {
        e->too_big = true;
        ok = false;
    } else if (ok) {
        e->budget -= out->count;
    }
    for (size_t a = 0; cache && a < arg_count; a++)
        list_free(&cache[a]);
    free(cache);
    free(done);
    list_free(&body);
    /* hs = (name's ∩ ')'s) ∪ {m}: what the invocation came out of. */
    for (size_t i = 0; ok && i < out->count; i++) {
        PPToken *t = &out->items[i];
        for (size_t h = 0; ok && h < name->hide_count; h++)
            if (!rparen || hide_has(rparen, name->hide[h]))
                ok = hide_add(t, name->hide[h]);
        ok = ok && hide_add(t, m->name);
    }
    if (ok && out->count > 0)
        out->items[0].space = name->space;
    return ok;
}

/* Replaces work[at, end) by the tokens of with (taken). */
static bool splice(TokenList *work, size_t at, size_t end, TokenList *with)
{
    if (!list_reserve(work, with->count))
        return false;
    for (size_t i = at; i < end; i++)
        token_free(&work->items[i]);
    memmove(work->items + at + with->count, work->items + end,
            (work->count - end) * sizeof *work->items);
    if (with->count > 0)    /* an empty expansion has no items at all */
        memcpy(work->items + at, with->items, with->count * sizeof *with->items);
    work->count = work->count - (end - at) + with->count;
    free(with->items);
    *with = (TokenList){0};
    return true;
}

/* Expands work (consumed) into out; -1 when out of memory. */
static int expand_list(Expander *e, TokenList *work, TokenList *out)
{
    size_t pos = 0;
    while (pos < work->count && !e->failed) {
        PPToken *t = &work->items[pos];
        const Macro *m = macro_of(e, t);
        bool invoked = m && !m->function_like;
        size_t close = pos;
        TokenList *args = NULL;
        size_t arg_count = 0, arg_lists = 0;
        if (m && m->function_like) {
            if (pos + 1 >= work->count)
                pull(e, work);
            t = &work->items[pos];
            invoked = pos + 1 < work->count && is_punct(&work->items[pos + 1], "(") &&
                      collect_args(e, work, pos + 1, m, &args, &arg_count, &close);
            t = &work->items[pos];
        }
        if (!invoked) {
            if (!list_push_copy(out, t))
                e->failed = true;
            pos++;
            continue;
        }
        arg_lists = arg_count;
        /* `F()` has one empty argument; a macro without parameters none. */
        if (m->function_like && m->param_count == 0 && arg_count == 1 && args[0].count == 0)
            arg_count = 0;
        TokenList replacement = {0};
        PPToken name, rparen;
        bool ok = token_copy(&name, t) && token_copy(&rparen, &work->items[close]);
        ok = ok && substitute(e, m, args, arg_count, &name, m->function_like ? &rparen : NULL,
                              &replacement);
        token_free(&name);
        token_free(&rparen);
        for (size_t a = 0; a < arg_lists; a++)
            list_free(&args[a]);
        free(args);
        if (!ok || !splice(work, pos, close + 1, &replacement)) {
            list_free(&replacement);
            e->failed = true;
        }
    }
    return e->failed ? -1 : 0;
}

/* ---- the cell ---- */

static bool needs_space(const Buffer *b, const PPToken *t)
{
    if (b->size == 0)
        return false;
    char last = b->data[b->size - 1], first = t->text[0];
    bool word_last = isalnum((unsigned char)last) || last == '_' || last == '"' || last == '\'';
    bool word_first = isalnum((unsigned char)first) || first == '_' || first == '"' || first == '\'';
    return t->space || (word_last && word_first) || (!word_last && !word_first && !isspace((unsigned char)last));
}

static void print_tokens(Buffer *b, const TokenList *list)
{
    size_t start = b->size;
    for (size_t i = 0; i < list->count; i++) {
        const PPToken *t = &list->items[i];
        if (b->size > start && needs_space(b, t))
            buffer_add(b, " ", 1);
        buffer_add(b, t->text, strlen(t->text));
    }
}

static bool add_span(ExpandedCell *cell, MacroSpan span)
{
    MacroSpan *spans = realloc(cell->spans, (cell->span_count + 1) * sizeof *spans);
    if (!spans)
        return false;
    cell->spans = spans;
    spans[cell->span_count++] = span;
    return true;
}

/* One top-level invocation starting at cell token i: its expansion
 * replaces it in b (newlines kept); the stream moves past it. */
static bool expand_invocation(Expander *e, Buffer *b, ExpandedCell *cell, size_t *copied)
{
    CellStream *s = e->stream;
    const CToken *first = &s->tokens[s->next];
    TokenList work = {0}, out = {0};
    buffer_add(b, s->code + *copied, first->start - *copied);
    size_t from = b->size;
    bool ok = pull(e, &work) && expand_list(e, &work, &out) == 0;
    const CToken *last = &s->tokens[s->next - 1];
    size_t cell_to = last->start + last->length;
    print_tokens(b, &out);
    for (size_t i = first->start; i < cell_to; i++)
        if (s->code[i] == '\n')
            buffer_add(b, "\n", 1);
    ok = ok && add_span(cell, (MacroSpan){from, b->size, first->start, cell_to});
    *copied = cell_to;
    list_free(&work);
    list_free(&out);
    return ok && !b->failed;
}

static bool has_define(const char *code)
{
    for (const char *p = code; (p = strchr(p, '#')); p++) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncmp(q, "define", 6) == 0)
            return true;
    }
    return false;
}

int macro_expand_cell(const char *code, const MacroTable *in_force, ExpandedCell *out)
{
    *out = (ExpandedCell){0};
    /* Nothing to expand: the cell as it is, at no cost. */
    if ((!in_force || in_force->count == 0) && !has_define(code))
        return 0;
    MacroTable table;
    CTokens tokens = {0};
    if ((in_force ? macro_table_copy(&table, in_force) : (macro_table_init(&table), 0)) != 0)
        return -1;
    if (c_lex(code, strlen(code), &tokens) != 0) {
        macro_table_free(&table);
        return -1;
    }
    CellStream stream = {.code = code, .tokens = tokens.items, .count = tokens.count};
    Expander e = {.table = &table, .stream = &stream, .budget = TOKEN_BUDGET};
    Buffer b = {0};
    size_t copied = 0;
    bool ok = true;
    while (ok && stream.next < stream.count) {
        const CToken *t = &tokens.items[stream.next];
        if (t->kind == CTOK_DIRECTIVE) {
            ok = macro_table_apply(&table, code + t->start, t->length) >= 0;
            stream.next++;
        } else if (t->kind == CTOK_IDENT && macro_table_find(&table, code + t->start, t->length)) {
            ok = expand_invocation(&e, &b, out, &copied);
        } else {
            stream.next++;
        }
    }
    if (ok && out->span_count > 0) {
        buffer_add(&b, code + copied, strlen(code + copied));
        ok = !b.failed;
        out->text = b.data;
    } else {
        free(b.data);
    }
    c_tokens_free(&tokens);
    macro_table_free(&table);
    if (!ok) {
        expanded_cell_free(out);
        return e.too_big ? 0 : -1;
    }
    return 0;
}

void expanded_cell_free(ExpandedCell *cell)
{
    free(cell->text);
    free(cell->spans);
    *cell = (ExpandedCell){0};
}

char *macro_expand_text(const char *code, const MacroTable *table)
{
    ExpandedCell cell;
    if (macro_expand_cell(code, table, &cell) != 0)
        return NULL;
    char *text = cell.text ? cell.text : strdup(code);
    free(cell.spans);
    return text;
}
