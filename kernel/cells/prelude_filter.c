/* The declarations a cell needs; see prelude_filter.h. */
#include "prelude_filter.h"
#include "c_lexer.h"
#include "runtime_names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The identifiers seen so far: an open-addressing hash set, so that each
 * entry's test costs the same after a thousand definitions as after ten. */
typedef struct NameSet {
    char **slots;
    size_t capacity, count;
    bool failed;
} NameSet;

static uint64_t hash_of(const char *name, size_t length)
{
    uint64_t hash = 1469598103934665603u;           /* FNV-1a */
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ (unsigned char)name[i]) * 1099511628211u;
    return hash;
}

/* The slot holding name, or the empty slot where it belongs. */
static char **slot_of(const NameSet *set, const char *name, size_t length)
{
    size_t i = hash_of(name, length) & (set->capacity - 1);
    while (set->slots[i] && (strncmp(set->slots[i], name, length) != 0 || set->slots[i][length]))
        i = (i + 1) & (set->capacity - 1);
    return &set->slots[i];
}

static bool name_set_has(const NameSet *set, const char *name, size_t length)
{
    return set->capacity > 0 && *slot_of(set, name, length) != NULL;
}

static bool name_set_grow(NameSet *set)
{
    NameSet bigger = {.capacity = set->capacity ? 2 * set->capacity : 256};
    if (!(bigger.slots = calloc(bigger.capacity, sizeof *bigger.slots)))
        return false;
    for (size_t i = 0; i < set->capacity; i++)
        if (set->slots[i])
            *slot_of(&bigger, set->slots[i], strlen(set->slots[i])) = set->slots[i];
    free(set->slots);
    set->slots = bigger.slots;
    set->capacity = bigger.capacity;
    return true;
}

static void name_set_add(NameSet *set, const char *name, size_t length)
{
    if (set->failed || name_set_has(set, name, length))
        return;
    /* At most half full: probes stay short. */
    if (2 * (set->count + 1) > set->capacity && !name_set_grow(set)) {
        set->failed = true;
        return;
    }
    char **slot = slot_of(set, name, length);
    if (!(*slot = strndup(name, length)))
        set->failed = true;
    else
        set->count++;
}

static void name_set_free(NameSet *set)
{
    for (size_t i = 0; i < set->capacity; i++)
        free(set->slots[i]);
    free(set->slots);
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
    NameSet wanted = {0};
    bool *needed = calloc(state->count + 1, sizeof *needed);
    if (needed)
        add_identifiers(&wanted, cell_text, strlen(cell_text));
    if (needed)
        take_needed(state, &wanted, skip, needed);
    bool ok = needed && !wanted.failed;
    for (size_t i = 0; ok && i < state->count; i++)
        skip[i] = skip[i] || !needed[i];
    free(needed);
    name_set_free(&wanted);
    return ok ? 0 : -1;
}
