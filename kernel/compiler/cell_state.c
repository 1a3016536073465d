// SPDX-License-Identifier: BSD-3-Clause
/* The persistent declarations of earlier cells; see cell_state.h. */
#include "cell_state.h"
#include "macro_table.h"
#include "runtime_names.h"
#include "c_lexer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int key_set_add(KeySet *set, const char *key)
{
    if (key_set_has(set, key))
        return 0;
    char **keys = realloc(set->keys, (set->count + 1) * sizeof *keys);
    if (!keys)
        return -1;
    set->keys = keys;
    if (!(keys[set->count] = strdup(key)))
        return -1;
    set->count++;
    return 0;
}

bool key_set_has(const KeySet *set, const char *key)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->keys[i], key) == 0)
            return true;
    return false;
}

void key_set_free(KeySet *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->keys[i]);
    free(set->keys);
    *set = (KeySet){0};
}

void cell_state_init(CellState *state)
{
    *state = (CellState){0};
}

void state_entry_free(StateEntry *entry)
{
    for (size_t k = 0; k < entry->key_count; k++)
        free(entry->keys[k]);
    free(entry->keys);
    free(entry->text);
    free(entry->origin);
    free(entry->comment);
    free(entry->type);
    free(entry->former);
    free(entry->macros);
    *entry = (StateEntry){0};
}

void cell_state_clear(CellState *state)
{
    for (size_t i = 0; i < state->count; i++)
        state_entry_free(&state->entries[i]);
    free(state->entries);
    *state = (CellState){0};
}

void cell_state_delete(CellState *state, StateEntry *entry)
{
    size_t index = (size_t)(entry - state->entries);
    state_entry_free(entry);
    memmove(entry, entry + 1, (state->count - index - 1) * sizeof *entry);
    state->count--;
}

int cell_state_add(CellState *state, StateEntry *entry)
{
    StateEntry *entries = realloc(state->entries, (state->count + 1) * sizeof *entries);
    if (!entries)
        return -1;
    state->entries = entries;
    entries[state->count++] = *entry;
    *entry = (StateEntry){0};
    return 0;
}

/* The identifier a type key is mentioned by: "struct S" -> "S", "T" -> "T". */
static const char *key_identifier(const char *key)
{
    const char *space = strrchr(key, ' ');
    return space ? space + 1 : key;
}

bool cell_text_mentions(const char *text, const char *identifier)
{
    CTokens tokens = {0};
    bool found = false;
    if (c_lex(text, strlen(text), &tokens) == 0)
        for (size_t i = 0; i < tokens.count && !found; i++)
            found = tokens.items[i].kind == CTOK_IDENT && ctoken_is(text, &tokens.items[i], identifier);
    c_tokens_free(&tokens);
    return found;
}

/* Marks in hidden the entries a cell declaring `declared` replaces, and
 * collects in gone the types that go away (a replaced type's dependents go
 * too, transitively). */
static void hide_replaced(const CellState *state, const KeySet *declared, bool *hidden, KeySet *gone)
{
    for (size_t i = 0; i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        hidden[i] = false;
        for (size_t k = 0; k < entry->key_count && !hidden[i]; k++)
            hidden[i] = key_set_has(declared, entry->keys[k]);
        /* Macros are replaced in place (the cell #undefs them first) and
         * includes are kept once. */
        if (entry->kind == ENTRY_INCLUDE || entry->kind == ENTRY_DEFINE)
            hidden[i] = false;
        if (hidden[i] && entry->kind == ENTRY_TYPE)
            for (size_t k = 0; k < entry->key_count; k++)
                key_set_add(gone, key_identifier(entry->keys[k]));
    }
    for (bool changed = gone->count > 0; changed;) {
        changed = false;
        for (size_t i = 0; i < state->count; i++) {
            const StateEntry *entry = &state->entries[i];
            if (hidden[i] || entry->kind == ENTRY_INCLUDE || entry->kind == ENTRY_DEFINE)
                continue;
            for (size_t g = 0; g < gone->count && !hidden[i]; g++)
                hidden[i] = cell_text_mentions(entry->text, gone->keys[g]);
            if (hidden[i]) {
                changed = true;
                if (entry->kind == ENTRY_TYPE)
                    for (size_t k = 0; k < entry->key_count; k++)
                        key_set_add(gone, key_identifier(entry->keys[k]));
            }
        }
    }
}

void cell_state_hidden(const CellState *state, const KeySet *declared, bool *hidden)
{
    KeySet gone = {0};
    hide_replaced(state, declared, hidden, &gone);
    key_set_free(&gone);
}

bool cell_state_uses_replaced_type(const CellState *state, const KeySet *declared, const StateEntry *entry)
{
    bool *hidden = calloc(state->count + 1, sizeof *hidden);
    KeySet gone = {0};
    bool uses = !hidden;
    if (hidden)
        hide_replaced(state, declared, hidden, &gone);
    for (size_t g = 0; g < gone.count && !uses; g++)
        uses = cell_text_mentions(entry->text, gone.keys[g]);
    key_set_free(&gone);
    free(hidden);
    return uses;
}

static int append(char **buffer, size_t *size, size_t *capacity, const char *text)
{
    size_t n = strlen(text);
    if (*size + n + 1 > *capacity) {
        size_t grown = (*capacity + n + 1) * 2;
        char *bigger = realloc(*buffer, grown);
        if (!bigger)
            return -1;
        *buffer = bigger;
        *capacity = grown;
    }
    memcpy(*buffer + *size, text, n + 1);
    *size += n;
    return 0;
}

char *cell_state_prelude(const CellState *state, const bool *hidden, bool with_comments)
{
    char *buffer = NULL;
    size_t size = 0, capacity = 0;
    if (append(&buffer, &size, &capacity, "") != 0)
        return NULL;
    for (size_t i = 0; i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        if (hidden && hidden[i])
            continue;
        char line[128];
        snprintf(line, sizeof line, "#line %d \"%s\"\n", entry->line, entry->origin);
        int rc = append(&buffer, &size, &capacity, line);
        /* The user's own evaluate, not the runtime's (runtime_names.h). */
        char *undefs = runtime_names_undefs(entry->keys, entry->key_count);
        if (undefs)
            rc |= append(&buffer, &size, &capacity, undefs);
        free(undefs);
        if (rc == 0 && with_comments && entry->comment) {
            rc = append(&buffer, &size, &capacity, entry->comment);
            rc |= append(&buffer, &size, &capacity, "\n");
        }
        rc |= append(&buffer, &size, &capacity, entry->text);
        rc |= append(&buffer, &size, &capacity, "\n");
        if (rc != 0) {
            free(buffer);
            return NULL;
        }
    }
    return buffer;
}

void cell_state_remove(CellState *state, const bool *hidden, const KeySet *declared, char **dropped)
{
    char *names = NULL;
    size_t kept = 0;
    for (size_t i = 0; i < state->count; i++) {
        StateEntry *entry = &state->entries[i];
        if (!hidden[i]) {
            state->entries[kept++] = *entry;
            continue;
        }
        bool replaced = false;
        for (size_t k = 0; k < entry->key_count; k++)
            replaced |= key_set_has(declared, entry->keys[k]);
        if (!replaced && dropped && entry->key_count > 0) {
            char *more = NULL;
            if (asprintf(&more, "%s%s%s", names ? names : "", names ? ", " : "",
                         entry->keys[0]) >= 0) {
                free(names);
                names = more;
            }
        }
        state_entry_free(entry);
    }
    state->count = kept;
    if (dropped)
        *dropped = names;
    else
        free(names);
}

bool cell_state_is_type(const CellState *state, const char *name)
{
    for (size_t i = 0; i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        if (entry->kind != ENTRY_TYPE || !strstr(entry->text, "typedef"))
            continue;
        /* A typedef's keys also name its enumerators, which are not types:
         * the type names are declared after the body. */
        const char *body_end = strrchr(entry->text, '}');
        for (size_t k = 0; k < entry->key_count; k++)
            if (strcmp(entry->keys[k], name) == 0 && (!body_end || cell_text_mentions(body_end, name)))
                return true;
    }
    return false;
}

StateEntry *cell_state_find(CellState *state, EntryKind kind, const char *key)
{
    for (size_t i = 0; i < state->count; i++) {
        StateEntry *entry = &state->entries[i];
        if (entry->kind == kind && entry->key_count > 0 && strcmp(entry->keys[0], key) == 0)
            return entry;
    }
    return NULL;
}

int cell_state_macros(const CellState *state, MacroTable *table)
{
    macro_table_init(table);
    for (size_t i = 0; i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        if ((entry->kind == ENTRY_DEFINE &&
             macro_table_apply(table, entry->text, strlen(entry->text)) < 0) ||
            (entry->macros && macro_table_apply_lines(table, entry->macros) < 0)) {
            macro_table_free(table);
            return -1;
        }
    }
    return 0;
}
