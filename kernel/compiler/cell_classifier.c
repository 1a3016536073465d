// SPDX-License-Identifier: BSD-3-Clause
/* The splitter's second pass (see cell_tokens.h): what a chunk is -- a
 * function, a type, variables, a typedef, file-scope code, a statement or
 * the cell's trailing expression -- read from its leading declaration
 * specifiers, and the plan items it gives. */
#include "cell_tokens.h"
#include "cell_own_text.h"   /* cell_line_lead */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CellItem *cell_add_item(Splitter *s, CellItemKind kind, size_t first, size_t end)
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
    item->lead = cell_line_lead(s->code, item->start);
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

/* Like slice, with every token equal to word blanked (none when word is NULL). */
static char *slice_without(const Splitter *s, size_t a, size_t b, const char *word)
{
    char *text = slice(s, a, b);
    if (!text || a >= b || !word)
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
    CellItem *item = cell_add_item(s, ITEM_TYPE, first, sp->body_end);
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

/* The declarator [a, b) with an unsized array given the size counted from
 * its brace initializer [init, init_end) when it can be counted, and every
 * token equal to without blanked (none when NULL). */
static char *sized_declarator(const Splitter *s, size_t a, size_t name, size_t b,
                              size_t init, size_t init_end, const char *without)
{
    for (size_t i = name + 1; i + 1 < b; i++) {
        if (punct(s, i, '[') && punct(s, i + 1, ']')) {
            long n = init < init_end ? brace_count(s, init, init_end) : -1;
            if (n < 0)
                break;
            char *head = slice_without(s, a, i + 1, without);
            char *tail = slice_without(s, i + 1, b, without), *text = NULL;
            if (head && tail && asprintf(&text, "%s%ld%s", head, n, tail) < 0)
                text = NULL;
            free(head);
            free(tail);
            return text;
        }
    }
    return slice_without(s, a, b, without);
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
    CellItem *item = cell_add_item(s, ITEM_VARIABLE, first, b);
    if (!item)
        return -1;
    item->name = token_text(s, name);
    item->specifiers = strdup(specs);
    item->declarator = slice(s, a, eq);
    item->extern_declarator = sized_declarator(s, a, name, eq, eq + 1, b, NULL);
    if (!item->name || !item->specifiers || !item->declarator || !item->extern_declarator)
        return -1;
    if (eq < b) {
        item->initializer = slice(s, eq + 1, b);
        /* An unsized array whose initializer runs is defined with the size
         * counted from its braces; uncounted (designators), it keeps the
         * initializer, and the compiler says what is not constant. */
        bool uncounted = has_unsized_array(s, name, eq) && brace_count(s, eq + 1, b) < 0;
        item->static_init = uncounted || constant_initializer(s, eq + 1, b);
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
        item->init_start = s->tok[at].start;
        if (!(item->init_lead = cell_line_lead(s->code, s->tok[at].start)))
            return -1;
    }
    /* A const global copied in at run time is defined without const. */
    char *def_specs = item->initializer && !item->static_init
                          ? slice_without(s, first, sp->end, "const") : strdup(specs);
    char *def_decl = item->initializer && !item->static_init
                         ? sized_declarator(s, a, name, eq, eq + 1, b, "const")
                         : strdup(item->declarator);
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
                CellItem *item = cell_add_item(s, kind, first, b);
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
    CellItem *item = cell_add_item(s, ITEM_TYPE, first, end);
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
    CellItem *item = cell_add_item(s, ITEM_FUNCTION, first, end);
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

int cell_classify(Splitter *s, size_t first, size_t end, bool terminated)
{
    /* The ';' is not part of a declaration's declarators. */
    size_t decl_end = terminated && punct(s, end - 1, ';') ? end - 1 : end;
    if (is(s, first, "_Static_assert") || is(s, first, "static_assert")) {
        CellItem *item = cell_add_item(s, ITEM_FILE_SCOPE, first, end);
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
            CellItem *item = cell_add_item(s, has_body ? ITEM_TYPE : ITEM_FILE_SCOPE, first, end);
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
    CellItem *item = cell_add_item(s, expression ? ITEM_EXPRESSION : ITEM_STATEMENT, first, end);
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
