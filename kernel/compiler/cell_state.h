// SPDX-License-Identifier: BSD-3-Clause
/* What earlier cells left behind, as declarations for the next cell's
 * prelude: #includes, #defines, types, and each global variable and
 * function under its versioned symbol (`int f(int) __asm__("cnb_c7_f");`).
 *
 * Each entry declares some keys: ordinary names ("x", "T", "RED"), tags
 * ("struct S") or macros ("#define N").  A new cell that declares a key
 * again replaces the entry; entries that mention a replaced type go too
 * (they were declared with the old type), and the interpreter says so. */
#ifndef CNB_COMPILER_CELL_STATE_H
#define CNB_COMPILER_CELL_STATE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum EntryKind {
    ENTRY_INCLUDE, ENTRY_DEFINE, ENTRY_TYPE, ENTRY_VARIABLE, ENTRY_FUNCTION,
    ENTRY_PROTOTYPE, ENTRY_EXTERN
} EntryKind;

typedef struct StateEntry {
    EntryKind kind;
    char **keys;
    size_t key_count;
    char *text;         /* the declaration as the prelude carries it */
    char *origin;       /* "In[3]" */
    int line;           /* line in that cell */
    char *comment;      /* doc comment, or NULL */
    char *type;         /* VARIABLE, FUNCTION: the declaration without the name ("int (void)") */
    char *former;       /* FUNCTION: symbols of its earlier versions of the same type, which
                           the worker rebound to this one (space separated), or NULL */
    char *macros;       /* INCLUDE: the #define/#undef lines the headers of its cell brought
                           (included_macros.h), one a line, or NULL */
} StateEntry;

typedef struct CellState {
    StateEntry *entries;
    size_t count;
} CellState;

/* A set of keys (a cell's new declarations). */
typedef struct KeySet {
    char **keys;
    size_t count;
} KeySet;

int key_set_add(KeySet *set, const char *key);
bool key_set_has(const KeySet *set, const char *key);
void key_set_free(KeySet *set);

void cell_state_init(CellState *state);
void cell_state_clear(CellState *state);

/* Takes ownership of entry's strings. */
int cell_state_add(CellState *state, StateEntry *entry);

/* Which entries a cell declaring `declared` hides: their index is marked in
 * hidden (an array of state->count bools). */
void cell_state_hidden(const CellState *state, const KeySet *declared, bool *hidden);

/* The prelude text without the hidden entries (malloc'd), each with a
 * #line directive pointing at the cell that declared it. */
char *cell_state_prelude(const CellState *state, const bool *hidden, bool with_comments);

/* True when entry mentions a type that a cell declaring `declared` replaces
 * (or one that goes with it). */
bool cell_state_uses_replaced_type(const CellState *state, const KeySet *declared, const StateEntry *entry);

/* Removes the hidden entries; writes the names of entries dropped only
 * because they depended on a replaced type to *dropped (comma separated,
 * malloc'd, or NULL if none). */
void cell_state_remove(CellState *state, const bool *hidden, const KeySet *declared, char **dropped);

/* Does text mention identifier as a token (not inside a longer name)? */
bool cell_text_mentions(const char *text, const char *identifier);

/* True when name is a typedef name declared by an earlier cell. */
bool cell_state_is_type(const CellState *state, const char *name);

/* The entry of this kind whose first key is key, or NULL. */
StateEntry *cell_state_find(CellState *state, EntryKind kind, const char *key);

void state_entry_free(StateEntry *entry);
/* Removes entry (one of state's) from state. */
void cell_state_delete(CellState *state, StateEntry *entry);

struct MacroTable;
/* The macros in force after the earlier cells: their #define and #undef
 * entries, and the macros their headers brought, applied in order.  0, or -1 when out of memory. */
int cell_state_macros(const CellState *state, struct MacroTable *table);

#endif
