// SPDX-License-Identifier: BSD-3-Clause
/* Cell splitter; see cell_splitter.h.
 *
 * Two passes over the lexer's tokens: chunking (cell_chunker.c) finds where
 * each top-level item ends (a ';' at depth 0, or the '}' closing a function
 * body or a compound statement), then classification (cell_classifier.c)
 * reads the item's leading declaration specifiers.  This file drives them
 * over the cell's runs of code between directives.  C's one ambiguity -- whether an identifier names
 * a type -- is answered by the caller's predicate (the interpreter knows
 * the typedefs of the headers and of earlier cells) and, for names nobody
 * knows, by shape: `A b` and `A *b = ...` can only be declarations. */
#include "cell_tokens.h"
#include "cell_own_text.h"
#include "macro_expander.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int split_text(const char *code, TypeNamePredicate is_type, void *context, CellPlan *plan)
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
            CellItem *item = cell_add_item(&s, kind, 0, 1);
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
            size_t end = cell_chunk_end(&s, 0, &terminated);
            /* A directive inside an open chunk belongs to it (e.g. #ifdef in
             * a function body): extend the run over it. */
            while (!terminated && j < all.count) {
                for (j++; j < all.count && all.items[j].kind != CTOK_DIRECTIVE; j++)
                    if (all.items[j].kind != CTOK_COMMENT) {
                        origin[n] = j;
                        code_tokens[n++] = all.items[j];
                    }
                s.count = n;
                end = cell_chunk_end(&s, 0, &terminated);
            }
            rc = cell_classify(&s, 0, end, terminated);
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

int cell_split_macros(const char *code, const MacroTable *macros, TypeNamePredicate is_type,
                      void *context, CellPlan *plan)
{
    ExpandedCell cell;
    *plan = (CellPlan){0};
    if (macro_expand_cell(code, macros, &cell) != 0)
        return -1;
    if (!cell.text)
        return split_text(code, is_type, context, plan);
    int rc = split_text(cell.text, is_type, context, plan);
    if (rc == 0 && cell_own_text_restore(code, &cell, plan) != 0) {
        cell_plan_free(plan);
        rc = -1;
    }
    if (rc == 0) {
        plan->expanded = cell.text;
        cell.text = NULL;
    }
    expanded_cell_free(&cell);
    return rc;
}

int cell_split(const char *code, TypeNamePredicate is_type, void *context, CellPlan *plan)
{
    return cell_split_macros(code, NULL, is_type, context, plan);
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
        free(item->own_text);
        free(item->own_initializer);
    }
    free(plan->items);
    free(plan->expanded);
    free(plan->header_macros);
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
