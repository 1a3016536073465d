// SPDX-License-Identifier: BSD-3-Clause
/* The declarations a cell needs; see prelude_filter.h. */
#include "prelude_filter.h"
#include "c_lexer.h"
#include "runtime_names.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* The identifiers seen so far: the keys of a Jansson object (a hash
 * table), so that each entry's test costs the same after a thousand
 * definitions as after ten. */
typedef struct NameSet {
    json_t *names;
    bool failed;
} NameSet;

static bool name_set_has(const NameSet *set, const char *name, size_t length)
{
    return json_object_getn(set->names, name, length) != NULL;
}

static void name_set_add(NameSet *set, const char *name, size_t length)
{
    if (!set->failed && json_object_setn_new_nocheck(set->names, name, length, json_true()) < 0)
        set->failed = true;
}

/* Every identifier in text, including those inside directives (a macro's
 * body names what it expands to). */
static void add_identifiers(NameSet *set, const char *text, size_t size)
{
    CTokens tokens = {0};
    if (c_lex(text, size, &tokens) != 0) {
        set->failed = true;
        return;
    }
    for (size_t i = 0; i < tokens.count; i++) {
        const CToken *token = &tokens.items[i];
        if (token->kind == CTOK_IDENT)
            name_set_add(set, text + token->start, token->length);
        else if (token->kind == CTOK_DIRECTIVE && token->length > 1)
            add_identifiers(set, text + token->start + 1, token->length - 1);
    }
    c_tokens_free(&tokens);
}

/* The identifier a key is named by: "struct S" -> "S", "#define N" -> "N". */
static const char *key_identifier(const char *key)
{
    const char *space = strrchr(key, ' ');
    return space ? space + 1 : key;
}

static bool always_kept(const StateEntry *entry)
{
    if (entry->kind == ENTRY_INCLUDE || entry->kind == ENTRY_DEFINE)
        return true;
    for (size_t k = 0; k < entry->key_count; k++)
        if (runtime_name_taken(key_identifier(entry->keys[k])))
            return true;
    return false;
}

static bool named(const NameSet *wanted, const StateEntry *entry)
{
    for (size_t k = 0; k < entry->key_count; k++) {
        const char *name = key_identifier(entry->keys[k]);
        if (name_set_has(wanted, name, strlen(name)))
            return true;
    }
    return false;
}

/* Takes in the entries that are kept or named, with what they name, until
 * nothing more is named: a macro may name a variable declared after it, so
 * one pass in order is not always enough. */
static void take_needed(const CellState *state, NameSet *wanted, const bool *skip, bool *needed)
{
    for (bool more = true; more && !wanted->failed;) {
        more = false;
        for (size_t i = 0; i < state->count; i++) {
            const StateEntry *entry = &state->entries[i];
            if (skip[i] || needed[i] || (!always_kept(entry) && !named(wanted, entry)))
                continue;
            needed[i] = more = true;
            add_identifiers(wanted, entry->text, strlen(entry->text));
        }
    }
}

int prelude_filter(const CellState *state, const char *cell_text, bool *skip)
{
    NameSet wanted = {.names = json_object()};
    bool *needed = calloc(state->count + 1, sizeof *needed);
    if (needed && wanted.names) {
        add_identifiers(&wanted, cell_text, strlen(cell_text));
        take_needed(state, &wanted, skip, needed);
    }
    bool ok = needed && wanted.names && !wanted.failed;
    for (size_t i = 0; ok && i < state->count; i++)
        skip[i] = skip[i] || !needed[i];
    free(needed);
    json_decref(wanted.names);
    return ok ? 0 : -1;
}
