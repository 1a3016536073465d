// SPDX-License-Identifier: BSD-3-Clause
/* Committing a loaded cell; see cell_commit.h. */
#include "cell_commit.h"
#include "cell_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *join3(const char *a, const char *b, const char *c)
{
    char *text = NULL;
    return asprintf(&text, "%s%s%s", a, b, c) < 0 ? NULL : text;
}

static int commit_item(CellState *state, const CellItem *item, int cell, const char *origin,
                       const Rebinds *rebinds, const char **header_macros)
{
    StateEntry entry = {.line = item->line};
    const Rebind *rebind = rebinds && item->name ? late_binding_find(rebinds, item->name) : NULL;
    char *symbol = rebind && rebind->same_object && item->kind == ITEM_VARIABLE
                       ? strdup(rebind->same_object)
                       : item->name ? cell_symbol(cell, item->name) : NULL;
    switch (item->kind) {
    case ITEM_INCLUDE: {
        char *key = join3("#include ", item->text, "");
        bool known = key && cell_state_find(state, ENTRY_INCLUDE, key);
        if (!key || known) {
            free(key);
            free(symbol);
            return key ? 0 : -1;
        }
        entry.kind = ENTRY_INCLUDE;
        entry.text = strdup(item->text);
        /* The cell's headers' macros go with its first new #include. */
        if (*header_macros && **header_macros)
            entry.macros = strdup(*header_macros);
        *header_macros = NULL;
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys)
            entry.keys[entry.key_count++] = key;
        break;
    }
    case ITEM_DEFINE: {
        char *key = join3("#define ", item->name ? item->name : "", "");
        /* The macro moves to where it is defined now: declarations before
         * it were written without it (and are carried expanded). */
        StateEntry *old = key ? cell_state_find(state, ENTRY_DEFINE, key) : NULL;
        if (old)
            cell_state_delete(state, old);
        entry.kind = ENTRY_DEFINE;
        entry.text = strdup(item->text);
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys && key)
            entry.keys[entry.key_count++] = key;
        break;
    }
    case ITEM_TYPE:
        entry.kind = ENTRY_TYPE;
        entry.text = strdup(item->text);
        entry.keys = calloc(item->key_count + 1, sizeof *entry.keys);
        for (size_t k = 0; entry.keys && k < item->key_count; k++)
            entry.keys[entry.key_count++] = strdup(item->keys[k]);
        break;
    case ITEM_VARIABLE:
    case ITEM_FUNCTION:
    case ITEM_PROTOTYPE:
    case ITEM_EXTERN:
        if (item->kind == ITEM_PROTOTYPE && cell_state_find(state, ENTRY_FUNCTION, item->name)) {
            free(symbol);
            return 0;       /* declares a function we already know */
        }
        entry.keys = malloc(sizeof *entry.keys);
        if (entry.keys)
            entry.keys[entry.key_count++] = strdup(item->name);
        if (item->kind == ITEM_VARIABLE) {
            entry.kind = ENTRY_VARIABLE;
            if (asprintf(&entry.text, "extern %s %s __asm__(\"%s\");", item->specifiers,
                         item->extern_declarator, symbol) < 0)
                entry.text = NULL;
            entry.type = cell_item_type(item);
        } else if (item->kind == ITEM_FUNCTION) {
            entry.kind = ENTRY_FUNCTION;
            if (asprintf(&entry.text, "%s %s __asm__(\"%s\");", item->specifiers, item->declarator,
                         symbol) < 0)
                entry.text = NULL;
            entry.type = cell_item_type(item);
            if (rebind && rebind->done)
                entry.former = strdup(rebind->from);
        } else {
            entry.kind = item->kind == ITEM_EXTERN ? ENTRY_EXTERN : ENTRY_PROTOTYPE;
            entry.text = strdup(item->text);
        }
        break;
    default:
        free(symbol);
        return 0;
    }
    free(symbol);
    entry.origin = strdup(origin);
    entry.comment = item->comment ? strdup(item->comment) : NULL;
    if (!entry.text || !entry.origin || !entry.keys) {
        state_entry_free(&entry);
        return -1;
    }
    return cell_state_add(state, &entry);
}

static bool prototype_of_own_function(const CellPlan *plan, const CellItem *item)
{
    if (item->kind != ITEM_PROTOTYPE)
        return false;
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind == ITEM_FUNCTION && strcmp(plan->items[i].name, item->name) == 0)
            return true;
    return false;
}

void cell_declared_keys(const CellPlan *plan, KeySet *keys)
{
    for (size_t i = 0; i < plan->count; i++) {
        const CellItem *item = &plan->items[i];
        if (item->unchanged)
            continue;
        if (item->kind == ITEM_VARIABLE || item->kind == ITEM_FUNCTION || item->kind == ITEM_EXTERN)
            key_set_add(keys, item->name);
        for (size_t k = 0; k < item->key_count; k++)
            key_set_add(keys, item->keys[k]);
    }
}

void cell_mark_unchanged(const CellState *state, CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++) {
        CellItem *item = &plan->items[i];
        if (item->kind != ITEM_TYPE)
            continue;
        for (size_t e = 0; e < state->count && !item->unchanged; e++)
            item->unchanged = state->entries[e].kind == ENTRY_TYPE &&
                              cell_same_code(state->entries[e].text, item->text);
    }
}

void cell_commit(CellState *state, const CellPlan *plan, int cell, const char *origin,
                 const KeySet *declared, const Rebinds *rebinds, char **dropped)
{
    *dropped = NULL;
    bool *hidden = calloc(state->count + 1, sizeof *hidden);
    if (hidden) {
        cell_state_hidden(state, declared, hidden);
        cell_state_remove(state, hidden, declared, dropped);
    }
    free(hidden);
    const char *header_macros = plan->header_macros;
    for (size_t i = 0; i < plan->count; i++)
        if (!prototype_of_own_function(plan, &plan->items[i]) && !plan->items[i].unchanged)
            commit_item(state, &plan->items[i], cell, origin, rebinds, &header_macros);
}
