/* Cell splitter; see cell_splitter.h.
 *
 * Two passes over the lexer's tokens: chunking finds where each top-level
 * item ends (a ';' at depth 0, or the '}' closing a function body or a
 * compound statement), then classification reads the item's leading
 * declaration specifiers.  C's one ambiguity -- whether an identifier names
 * a type -- is answered by the caller's predicate (the interpreter knows
 * the typedefs of the headers and of earlier cells) and, for names nobody
 * knows, by shape: `A b` and `A *b = ...` can only be declarations. */
#include "cell_splitter.h"
#include "c_lexer.h"

#include <stdint.h>
#include <stdio.h>
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

static bool word_in(const char *word, size_t length, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == length && memcmp(*list, word, length) == 0)
            return true;
    return false;
}

static const char *const statement_words[] = {
    "if", "for", "while", "do", "switch", "return", "break", "continue", "goto",
    "case", "default", "else", NULL
};
static const char *const storage_words[] = {
    "typedef", "extern", "static", "auto", "register", "inline", "__inline", "__inline__",
    "_Thread_local", "__thread", "_Noreturn", NULL
};
static const char *const qualifier_words[] = {
    "const", "volatile", "restrict", "__restrict", "__restrict__", "__const", "__volatile__",
    "_Atomic", "__extension__", NULL
};
static const char *const type_words[] = {
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
    "__signed__", "_Bool", "_Complex", "__complex__", "__int128", "_Float128", "__float128",
    "_Float32", "_Float64", "_Decimal32", "_Decimal64", "_Decimal128", "__auto_type", NULL
};
/* Specifier words followed by a parenthesized argument. */
static const char *const paren_words[] = {
    "__attribute__", "__attribute", "_Alignas", "alignas", "__typeof__", "__typeof", "typeof",
    "__declspec", "_Atomic", "__asm__", "__asm", "asm", NULL
};
/* Common typedef names, for when the caller's predicate has not learnt the
 * headers yet. */
static const char *const known_types[] = {
    "bool", "size_t", "ssize_t", "ptrdiff_t", "FILE", "va_list", "wchar_t", "off_t",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "time_t", "clock_t", NULL
};

static const CToken *tk(const Splitter *s, size_t i)
{
    return i < s->count ? &s->tok[i] : NULL;
}

static bool is(const Splitter *s, size_t i, const char *word)
{
    const CToken *t = tk(s, i);
    return t && ctoken_is(s->code, t, word);
}

static bool is_in(const Splitter *s, size_t i, const char *const *list)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_IDENT && word_in(s->code + t->start, t->length, list);
}

static bool is_ident(const Splitter *s, size_t i)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_IDENT && !is_in(s, i, statement_words) &&
           !is_in(s, i, storage_words) && !is_in(s, i, qualifier_words) &&
           !is_in(s, i, type_words) && !is_in(s, i, paren_words) &&
           !is(s, i, "struct") && !is(s, i, "union") && !is(s, i, "enum") &&
           !is(s, i, "sizeof");
}

static char *token_text(const Splitter *s, size_t i)
{
    return strndup(s->code + s->tok[i].start, s->tok[i].length);
}

static bool names_type(const Splitter *s, size_t i)
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
static size_t skip_group(const Splitter *s, size_t i, size_t end)
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

/* ---- chunking ---- */

static bool punct(const Splitter *s, size_t i, char c)
{
    const CToken *t = tk(s, i);
    return t && t->kind == CTOK_PUNCT && t->length == 1 && s->code[t->start] == c;
}

/* Does the '}' at close end the chunk that starts at start?  It does after
 * a function body or a compound/control statement, not after a struct body
 * or a brace initializer (those still need their ';'). */
static bool brace_ends_chunk(const Splitter *s, size_t start, size_t open, size_t close)
{
    if (is(s, close + 1, "else") || (is(s, start, "do") && is(s, close + 1, "while")))
        return false;
    if (open == start)
        return true;
    return punct(s, open - 1, ')') || is(s, open - 1, "else") || is(s, open - 1, "do");
}

/* End (exclusive) of the chunk starting at start; *terminated is false for
 * a trailing chunk without ';' or '}'. */
static size_t chunk_end(const Splitter *s, size_t start, bool *terminated)
{
    int depth = 0;
    size_t brace_open = start;
    /* `do x++; while (c);`: the first ';' does not end a do statement. */
    bool awaiting_while = is(s, start, "do");
    for (size_t j = start; j < s->count; j++) {
        const CToken *t = &s->tok[j];
        if (depth == 0 && j > start && is(s, j, "while"))
            awaiting_while = false;
        if (t->kind != CTOK_PUNCT || t->length != 1)
            continue;
        char c = s->code[t->start];
        if (c == '(' || c == '[' || c == '{') {
            if (c == '{' && depth == 0)
                brace_open = j;
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth > 0)
                depth--;
            if (c == '}' && depth == 0 && brace_ends_chunk(s, start, brace_open, j)) {
                *terminated = true;
                return j + 1;
            }
        } else if (c == ';' && depth == 0 && !is(s, j + 1, "else") && !awaiting_while) {
            *terminated = true;
            return j + 1;
        }
    }
    *terminated = false;
    return s->count;
}

/* ---- plan building ---- */

/* What precedes offset on its line, as blanks (tabs kept). */
static char *lead_for(const char *code, size_t offset)
{
    size_t start = offset;
    while (start > 0 && code[start - 1] != '\n')
        start--;
    char *lead = strndup(code + start, offset - start);
    for (char *p = lead; p && *p; p++)
        if (*p != '\t')
            *p = ' ';
    return lead;
}

static CellItem *add_item(Splitter *s, CellItemKind kind, size_t first, size_t end)
{
    CellPlan *plan = s->plan;
    CellItem *items = realloc(plan->items, (plan->count + 1) * sizeof *items);
    if (!items)
        return NULL;
    plan->items = items;
    CellItem *item = &items[plan->count++];
    *item = (CellItem){.kind = kind};
    item->line = s->tok[first].line;
    item->start = s->tok[first].start;
    item->end = s->tok[end - 1].start + s->tok[end - 1].length;
    item->lead = lead_for(s->code, item->start);
    return item->lead ? item : NULL;
}

static int add_key(CellItem *item, char *key)
{
    if (!key)
        return -1;
    char **keys = realloc(item->keys, (item->key_count + 1) * sizeof *keys);
    if (!keys) {
        free(key);
        return -1;
    }
    item->keys = keys;
    keys[item->key_count++] = key;
    return 0;
}

/* The work text of tokens [a, b). */
static char *slice(const Splitter *s, size_t a, size_t b)
{
    if (a >= b)
        return strdup("");
    size_t from = s->tok[a].start, to = s->tok[b - 1].start + s->tok[b - 1].length;
    return strndup(s->work + from, to - from);
}

/* Like slice, with every token equal to word blanked. */
static char *slice_without(const Splitter *s, size_t a, size_t b, const char *word)
{
    char *text = slice(s, a, b);
    if (!text || a >= b)
        return text;
    size_t base = s->tok[a].start;
    for (size_t i = a; i < b; i++)
        if (is(s, i, word))
            memset(text + s->tok[i].start - base, ' ', s->tok[i].length);
    return text;
}

static void blank(Splitter *s, size_t i)
{
    memset(s->work + s->tok[i].start, ' ', s->tok[i].length);
}

typedef struct Specifiers {
    size_t end;                 /* first token after the specifiers */
    bool is_typedef, is_extern, has_type;
    size_t tag_keyword;         /* struct/union/enum token with a body, or SIZE_MAX */
    size_t tag_name;            /* its tag, or SIZE_MAX when anonymous */
    size_t body_open, body_end; /* the body's '{' and the token after its '}' */
} Specifiers;

static Specifiers read_specifiers(Splitter *s, size_t i, size_t end, bool blank_storage)
{
    Specifiers sp = {.tag_keyword = SIZE_MAX, .tag_name = SIZE_MAX};
    while (i < end) {
        if (is_in(s, i, storage_words)) {
            sp.is_typedef |= is(s, i, "typedef");
            sp.is_extern |= is(s, i, "extern");
            if (blank_storage && !is(s, i, "_Thread_local") && !is(s, i, "__thread") &&
                !is(s, i, "_Noreturn") && !is(s, i, "typedef"))
                blank(s, i);
            i++;
        } else if (is_in(s, i, paren_words) && punct(s, i + 1, '(')) {
            sp.has_type |= is(s, i, "typeof") || is(s, i, "__typeof__") || is(s, i, "__typeof") ||
                           is(s, i, "_Atomic");
            i = skip_group(s, i + 1, end);
        } else if (is_in(s, i, qualifier_words)) {
            i++;
        } else if (is_in(s, i, type_words)) {
            sp.has_type = true;
            i++;
        } else if (is(s, i, "struct") || is(s, i, "union") || is(s, i, "enum")) {
            size_t keyword = i++;
            while (is(s, i, "__attribute__") && punct(s, i + 1, '('))
                i = skip_group(s, i + 1, end);
            size_t tag = SIZE_MAX;
            if (is_ident(s, i) || (i < end && s->tok[i].kind == CTOK_IDENT && names_type(s, i)))
                tag = i++;
            if (punct(s, i, '{')) {
                sp.tag_keyword = keyword;
                sp.tag_name = tag;
                sp.body_open = i;
                i = sp.body_end = skip_group(s, i, end);
            }
            sp.has_type = true;
        } else if (!sp.has_type && s->tok[i].kind == CTOK_IDENT && is_ident(s, i)) {
            sp.has_type = true;     /* a typedef name, known or by shape */
            i++;
        } else {
            break;
        }
    }
    sp.end = i;
    return sp;
}

/* The declared name in declarator tokens [a, b), or SIZE_MAX. */
static size_t declarator_name(const Splitter *s, size_t a, size_t b)
{
    for (size_t i = a; i < b;) {
        if (is_in(s, i, paren_words) && punct(s, i + 1, '(')) {
            i = skip_group(s, i + 1, b);
        } else if (punct(s, i, '[')) {
            i = skip_group(s, i, b);
        } else if (is_ident(s, i)) {
            return i;
        } else {
            i++;
        }
    }
    return SIZE_MAX;
}

/* Splits [a, b) at depth-0 occurrences of punctuator c; returns the index
 * of the first one, or b. */
static size_t find_top(const Splitter *s, size_t a, size_t b, char c)
{
    int depth = 0;
    for (size_t i = a; i < b; i++) {
        const CToken *t = &s->tok[i];
        if (t->kind != CTOK_PUNCT || t->length != 1)
            continue;
        char d = s->code[t->start];
        if (d == '(' || d == '[' || d == '{')
            depth++;
        else if (d == ')' || d == ']' || d == '}')
            depth--;
        else if (d == c && depth == 0)
            return i;
    }
    return b;
}

static int add_enumerators(Splitter *s, CellItem *item, const Specifiers *sp)
{
    if (sp->tag_keyword == SIZE_MAX || !is(s, sp->tag_keyword, "enum"))
        return 0;
    for (size_t i = sp->body_open + 1; i + 1 < sp->body_end;) {
        if (is_ident(s, i) && add_key(item, token_text(s, i)) != 0)
            return -1;
        size_t comma = find_top(s, i, sp->body_end - 1, ',');
        i = comma + 1;
    }
    return 0;
}

static char *tag_key(const Splitter *s, const Specifiers *sp)
{
    char *tag = token_text(s, sp->tag_name);
    char *kw = token_text(s, sp->tag_keyword);
    char *key = NULL;
    if (tag && kw && asprintf(&key, "%s %s", kw, tag) < 0)
        key = NULL;
    free(tag);
    free(kw);
    return key;
}

/* The type item of a tagged struct/union/enum body inside a declaration. */
static int add_body_type(Splitter *s, const Specifiers *sp, size_t first)
{
    CellItem *item = add_item(s, ITEM_TYPE, first, sp->body_end);
    if (!item)
        return -1;
    char *body = slice(s, sp->tag_keyword, sp->body_end);
    if (!body || asprintf(&item->text, "%s;", body) < 0)
        item->text = NULL;
    free(body);
    if (!item->text || add_key(item, tag_key(s, sp)) != 0)
        return -1;
    return add_enumerators(s, item, sp);
}

/* Specifiers for variables declared together with a tagged body: the body
 * is replaced by its tag, since the type item defines it. */
static char *variable_specifiers(const Splitter *s, size_t first, const Specifiers *sp)
{
    if (sp->tag_keyword == SIZE_MAX || sp->tag_name == SIZE_MAX)
        return slice(s, first, sp->end);
    char *before = slice(s, first, sp->tag_keyword);
    char *tag = slice(s, sp->tag_keyword, sp->tag_name + 1);
    char *after = slice(s, sp->body_end, sp->end);
    char *text = NULL;
    if (before && tag && after && asprintf(&text, "%s %s %s", before, tag, after) < 0)
        text = NULL;
    free(before);
    free(tag);
    free(after);
    return text;
}

/* Number of elements of a brace initializer, or -1 when designators or
 * anything unusual make it unclear. */
static long brace_count(const Splitter *s, size_t a, size_t b)
{
    if (!punct(s, a, '{') || skip_group(s, a, b) != b)
        return -1;
    long count = 0;
    size_t i = a + 1;
    while (i < b - 1) {
        if (punct(s, i, '[') || punct(s, i, '.'))
            return -1;
        size_t comma = find_top(s, i, b - 1, ',');
        if (comma > i)
            count++;
        i = comma + 1;
    }
    return count;
}

/* extern declarator: an unsized array gets its size when it can be counted. */
static char *extern_declarator(const Splitter *s, size_t a, size_t name, size_t b,
                               size_t init, size_t init_end)
{
    for (size_t i = name + 1; i + 1 < b; i++) {
        if (punct(s, i, '[') && punct(s, i + 1, ']')) {
            long n = init < init_end ? brace_count(s, init, init_end) : -1;
            if (n < 0)
                break;
            char *head = slice(s, a, i + 1), *tail = slice(s, i + 1, b), *text = NULL;
            if (head && tail && asprintf(&text, "%s%ld%s", head, n, tail) < 0)
                text = NULL;
            free(head);
            free(tail);
            return text;
        }
    }
    return slice(s, a, b);
}

static bool has_unsized_array(const Splitter *s, size_t name, size_t b)
{
    for (size_t i = name + 1; i + 1 < b; i++)
        if (punct(s, i, '[') && punct(s, i + 1, ']'))
            return true;
    return false;
}

/* An initializer made of literals and operators only (`{0}`, `-1.5`,
 * `"text"`) stays a static initializer: nothing to run, and no copy of a
 * big array through the stack. */
static bool constant_initializer(const Splitter *s, size_t a, size_t b)
{
    static const char *const constant_words[] = {"sizeof", "true", "false", "NULL", NULL};
    if (a >= b)
        return false;
    for (size_t i = a; i < b; i++)
        if (s->tok[i].kind == CTOK_IDENT && !is_in(s, i, constant_words) && !is_in(s, i, type_words) &&
            !is_in(s, i, qualifier_words))
            return false;
    return true;
}

static int add_variable(Splitter *s, size_t first, const Specifiers *sp, const char *specs,
                        size_t a, size_t b, size_t name)
{
    size_t eq = find_top(s, a, b, '=');
    CellItem *item = add_item(s, ITEM_VARIABLE, first, b);
    if (!item)
        return -1;
    item->name = token_text(s, name);
    item->specifiers = strdup(specs);
    item->declarator = slice(s, a, eq);
    item->extern_declarator = extern_declarator(s, a, name, eq, eq + 1, b);
    if (!item->name || !item->specifiers || !item->declarator || !item->extern_declarator)
        return -1;
    if (eq < b) {
        item->initializer = slice(s, eq + 1, b);
        item->static_init = has_unsized_array(s, name, eq) || constant_initializer(s, eq + 1, b);
        char *head = slice(s, a, name), *tail = slice(s, name + 1, eq);
        if (!item->initializer || !head || !tail ||
            asprintf(&item->init_head, "%s %s" CELL_INIT_NAME "%s", specs, head, tail) < 0 ||
            asprintf(&item->init_declaration, "%s = %s", item->init_head, item->initializer) < 0)
            item->init_declaration = NULL;
        free(head);
        free(tail);
        if (!item->init_declaration)
            return -1;
        /* An empty initializer (`int q = ;`) is the compiler's to report. */
        size_t at = eq + 1 < b ? eq + 1 : eq;
        item->init_line = s->tok[at].line;
        if (!(item->init_lead = lead_for(s->code, s->tok[at].start)))
            return -1;
    }
    /* A const global copied in at run time is defined without const. */
    char *def_specs = item->initializer && !item->static_init
                          ? slice_without(s, first, sp->end, "const") : strdup(specs);
    char *def_decl = item->initializer && !item->static_init
                         ? slice_without(s, a, eq, "const") : strdup(item->declarator);
    if (sp->tag_keyword != SIZE_MAX && sp->tag_name != SIZE_MAX) {
        free(def_specs);
        def_specs = strdup(specs);
    }
    if (!def_specs || !def_decl || asprintf(&item->definition, "%s %s", def_specs, def_decl) < 0)
        item->definition = NULL;
    free(def_specs);
    free(def_decl);
    return item->definition ? 0 : -1;
}

static int add_declarators(Splitter *s, size_t first, size_t end, const Specifiers *sp)
{
    if (sp->tag_keyword != SIZE_MAX && sp->tag_name != SIZE_MAX && add_body_type(s, sp, first) != 0)
        return -1;
    char *specs = variable_specifiers(s, first, sp);
    if (!specs)
        return -1;
    int rc = 0;
    for (size_t a = sp->end; a < end && rc == 0;) {
        size_t b = find_top(s, a, end, ',');
        size_t name = declarator_name(s, a, b);
        if (name != SIZE_MAX) {
            bool function = punct(s, name + 1, '(');
            CellItemKind kind = function ? ITEM_PROTOTYPE : sp->is_extern ? ITEM_EXTERN : ITEM_VARIABLE;
            if (kind == ITEM_VARIABLE) {
                rc = add_variable(s, first, sp, specs, a, b, name);
            } else {
                CellItem *item = add_item(s, kind, first, b);
                char *decl = slice(s, a, b);
                if (!item || !decl) {
                    free(decl);
                    rc = -1;
                    break;
                }
                item->name = token_text(s, name);
                item->specifiers = strdup(specs);
                item->declarator = decl;
                if (asprintf(&item->text, "%s%s %s;", kind == ITEM_EXTERN ? "extern " : "",
                             specs, decl) < 0)
                    item->text = NULL;
                if (!item->name || !item->specifiers || !item->text)
                    rc = -1;
            }
        }
        a = b + 1;
    }
    free(specs);
    return rc;
}

static int add_typedef(Splitter *s, size_t first, size_t end, const Specifiers *sp)
{
    CellItem *item = add_item(s, ITEM_TYPE, first, end);
    if (!item || !(item->text = slice(s, first, end)))
        return -1;
    if (sp->tag_keyword != SIZE_MAX && sp->tag_name != SIZE_MAX && add_key(item, tag_key(s, sp)) != 0)
        return -1;
    if (add_enumerators(s, item, sp) != 0)
        return -1;
    for (size_t a = sp->end; a < end;) {
        size_t b = find_top(s, a, end, ',');
        size_t name = declarator_name(s, a, b);
        if (name != SIZE_MAX && add_key(item, token_text(s, name)) != 0)
            return -1;
        a = b + 1;
    }
    return 0;
}

static int add_function(Splitter *s, size_t first, size_t end, const Specifiers *sp)
{
    size_t open = end - 1;
    /* The body's '{' is the first one outside the declarator's brackets. */
    for (size_t i = sp->end; i < end; i++) {
        if (punct(s, i, '{')) {
            open = i;
            break;
        }
        if (punct(s, i, '(') || punct(s, i, '['))
            i = skip_group(s, i, end) - 1;
    }
    size_t name = declarator_name(s, sp->end, open);
    CellItem *item = add_item(s, ITEM_FUNCTION, first, end);
    if (!item)
        return -1;
    if (name == SIZE_MAX) {
        item->kind = ITEM_FILE_SCOPE;
        return (item->text = slice(s, first, end)) ? 0 : -1;
    }
    item->name = token_text(s, name);
    item->specifiers = slice(s, first, sp->end);
    item->declarator = slice(s, sp->end, open);
    item->text = slice(s, first, end);
    return item->name && item->specifiers && item->declarator && item->text ? 0 : -1;
}

static bool starts_declaration(const Splitter *s, size_t i, size_t end)
{
    while (is(s, i, "__extension__"))
        i++;
    if (i >= end)
        return false;
    if (is_in(s, i, storage_words) || is_in(s, i, qualifier_words) || is_in(s, i, type_words) ||
        is(s, i, "struct") || is(s, i, "union") || is(s, i, "enum"))
        return true;
    if ((is(s, i, "__attribute__") || is(s, i, "_Alignas") || is(s, i, "typeof") ||
         is(s, i, "__typeof__")) && punct(s, i + 1, '('))
        return true;
    if (!is_ident(s, i) || punct(s, i + 1, ':'))
        return false;
    if (names_type(s, i))
        return !punct(s, i + 1, '(') || punct(s, i + 2, '*');
    /* Unknown names: `A b` is always a declaration; `A *b = ...`, `A *b;`
     * and `A *f(...)` are too (as expressions they would be useless or
     * invalid): the last is how a function returning a runtime pointer type
     * (`Model *make_model(void) { ... }`) begins. */
    if (is_ident(s, i + 1))
        return true;
    size_t j = i + 1;
    while (punct(s, j, '*') || is_in(s, j, qualifier_words))
        j++;
    return j > i + 1 && is_ident(s, j) &&
           (punct(s, j + 1, '=') || punct(s, j + 1, ';') || punct(s, j + 1, ',') ||
            punct(s, j + 1, '[') || punct(s, j + 1, '('));
}

static bool has_top_assignment(const Splitter *s, size_t a, size_t b)
{
    static const char *const assignments[] = {
        "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", NULL
    };
    int depth = 0;
    for (size_t i = a; i < b; i++) {
        const CToken *t = &s->tok[i];
        if (t->kind != CTOK_PUNCT)
            continue;
        char c = s->code[t->start];
        if (t->length == 1 && (c == '(' || c == '[' || c == '{'))
            depth++;
        else if (t->length == 1 && (c == ')' || c == ']' || c == '}'))
            depth--;
        else if (depth == 0 && word_in(s->code + t->start, t->length, assignments))
            return true;
    }
    return false;
}

static int classify(Splitter *s, size_t first, size_t end, bool terminated)
{
    /* The ';' is not part of a declaration's declarators. */
    size_t decl_end = terminated && punct(s, end - 1, ';') ? end - 1 : end;
    if (is(s, first, "_Static_assert") || is(s, first, "static_assert")) {
        CellItem *item = add_item(s, ITEM_FILE_SCOPE, first, end);
        return item && (item->text = slice(s, first, end)) ? 0 : -1;
    }
    if (starts_declaration(s, first, end)) {
        bool body_ends = terminated && punct(s, end - 1, '}');
        Specifiers sp = read_specifiers(s, first, decl_end, false);
        if (sp.is_typedef)
            return add_typedef(s, first, end, &sp);
        sp = read_specifiers(s, first, decl_end, true);
        if (body_ends && sp.end < end - 1)
            return add_function(s, first, end, &sp);
        if (sp.end >= decl_end) {
            /* No declarators: a struct/union/enum definition, or a forward declaration. */
            bool has_body = sp.tag_keyword != SIZE_MAX;
            CellItem *item = add_item(s, has_body ? ITEM_TYPE : ITEM_FILE_SCOPE, first, end);
            if (!item || !(item->text = slice(s, first, end)))
                return -1;
            if (!terminated) {
                char *text = NULL;
                if (asprintf(&text, "%s;", item->text) < 0)
                    return -1;
                free(item->text);
                item->text = text;
            }
            if (has_body && sp.tag_name != SIZE_MAX && add_key(item, tag_key(s, &sp)) != 0)
                return -1;
            return has_body ? add_enumerators(s, item, &sp) : 0;
        }
        return add_declarators(s, first, decl_end, &sp);
    }
    /* An assignment as the last line is a statement, as in Python. */
    bool expression = !terminated && !is_in(s, first, statement_words) && !punct(s, first, '{') &&
                      !has_top_assignment(s, first, end);
    CellItem *item = add_item(s, expression ? ITEM_EXPRESSION : ITEM_STATEMENT, first, end);
    if (!item || !(item->text = slice(s, first, end)))
        return -1;
    if (!terminated && !expression) {
        char *text = NULL;
        if (asprintf(&text, "%s;", item->text) < 0)
            return -1;
        free(item->text);
        item->text = text;
    }
    return 0;
}

static CellItemKind directive_kind(const char *code, const CToken *t, char **name)
{
    const char *p = code + t->start + 1, *end = code + t->start + t->length;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    const char *word = p;
    while (p < end && ((*p >= 'a' && *p <= 'z')))
        p++;
    size_t n = (size_t)(p - word);
    *name = NULL;
    if (n == 7 && memcmp(word, "include", 7) == 0)
        return ITEM_INCLUDE;
    if ((n == 6 && memcmp(word, "define", 6) == 0) || (n == 5 && memcmp(word, "undef", 5) == 0)) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *m = p;
        while (p < end && (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                           (*p >= '0' && *p <= '9')))
            p++;
        *name = strndup(m, (size_t)(p - m));
        return ITEM_DEFINE;
    }
    return ITEM_DIRECTIVE;
}

/* Comments between the previous item and this one document it. */
static char *comment_text(const char *code, const CToken *all, size_t from, size_t to)
{
    if (from >= to)
        return NULL;
    size_t a = all[from].start, b = all[to - 1].start + all[to - 1].length;
    return strndup(code + a, b - a);
}

int cell_split(const char *code, TypeNamePredicate is_type, void *context, CellPlan *plan)
{
    *plan = (CellPlan){0};
    CTokens all = {0};
    Splitter s = {.code = code, .is_type = is_type, .context = context, .plan = plan};
    s.work = strdup(code);
    if (!s.work || c_lex(code, strlen(code), &all) != 0) {
        free(s.work);
        c_tokens_free(&all);
        return -1;
    }
    int rc = 0;
    size_t comments_from = 0;
    for (size_t i = 0; i < all.count && rc == 0;) {
        if (all.items[i].kind == CTOK_COMMENT) {
            i++;
            continue;
        }
        char *comment = comment_text(code, all.items, comments_from, i);
        size_t before = plan->count;
        if (all.items[i].kind == CTOK_DIRECTIVE) {
            char *name;
            CellItemKind kind = directive_kind(code, &all.items[i], &name);
            s.tok = &all.items[i];
            s.count = 1;
            CellItem *item = add_item(&s, kind, 0, 1);
            if (!item || !(item->text = strndup(code + all.items[i].start, all.items[i].length)))
                rc = -1;
            else
                item->name = name;
            i++;
        } else {
            /* Code tokens up to the next depth-0 directive form the run. */
            size_t j = i;
            CToken *code_tokens = malloc((all.count - i) * sizeof *code_tokens);
            size_t n = 0;
            size_t *origin = malloc((all.count - i + 1) * sizeof *origin);
            if (!code_tokens || !origin) {
                free(code_tokens);
                free(origin);
                rc = -1;
                break;
            }
            for (; j < all.count && all.items[j].kind != CTOK_DIRECTIVE; j++)
                if (all.items[j].kind != CTOK_COMMENT) {
                    origin[n] = j;
                    code_tokens[n++] = all.items[j];
                }
            s.tok = code_tokens;
            s.count = n;
            bool terminated;
            size_t end = chunk_end(&s, 0, &terminated);
            /* A directive inside an open chunk belongs to it (e.g. #ifdef in
             * a function body): extend the run over it. */
            while (!terminated && j < all.count) {
                for (j++; j < all.count && all.items[j].kind != CTOK_DIRECTIVE; j++)
                    if (all.items[j].kind != CTOK_COMMENT) {
                        origin[n] = j;
                        code_tokens[n++] = all.items[j];
                    }
                s.count = n;
                end = chunk_end(&s, 0, &terminated);
            }
            rc = classify(&s, 0, end, terminated);
            i = origin[end - 1] + 1;
            free(code_tokens);
            free(origin);
        }
        if (rc == 0 && plan->count > before)
            plan->items[before].comment = comment;
        else
            free(comment);
        comments_from = i;
    }
    free(s.work);
    c_tokens_free(&all);
    if (rc != 0)
        cell_plan_free(plan);
    return rc;
}

void cell_plan_free(CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        CellItem *item = &plan->items[i];
        free(item->text);
        free(item->name);
        for (size_t k = 0; k < item->key_count; k++)
            free(item->keys[k]);
        free(item->keys);
        free(item->specifiers);
        free(item->declarator);
        free(item->extern_declarator);
        free(item->definition);
        free(item->initializer);
        free(item->init_declaration);
        free(item->comment);
        free(item->lead);
        free(item->init_head);
        free(item->init_lead);
    }
    free(plan->items);
    *plan = (CellPlan){0};
}

const char *cell_item_kind_name(CellItemKind kind)
{
    static const char *const names[] = {
        "include", "define", "directive", "type", "variable", "function", "prototype",
        "extern", "file-scope", "statement", "expression"
    };
    return kind <= ITEM_EXPRESSION ? names[kind] : "?";
}

char *cell_item_type(const CellItem *item)
{
    char *declarator = strdup(item->declarator);
    if (!declarator)
        return NULL;
    size_t n = strlen(item->name);
    for (char *p = declarator; (p = strstr(p, item->name)); p++) {
        bool start = p == declarator || !(p[-1] == '_' || (p[-1] >= '0' && p[-1] <= '9') ||
                                          ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z'));
        char after = p[n];
        bool end = !(after == '_' || (after >= '0' && after <= '9') || ((after | 32) >= 'a' && (after | 32) <= 'z'));
        if (start && end) {
            memmove(p, p + n, strlen(p + n) + 1);
            break;
        }
    }
    char *type = NULL;
    if (asprintf(&type, "%s %s", item->specifiers, declarator) < 0)
        type = NULL;
    free(declarator);
    for (size_t n = type ? strlen(type) : 0; n > 0 && type[n - 1] == ' '; n--)
        type[n - 1] = '\0';
    return type;
}

bool cell_same_code(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
            a++;
        while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
            b++;
        if (*a != *b)
            return false;
        if (!*a)
            return true;
        a++;
        b++;
    }
}
