// SPDX-License-Identifier: BSD-3-Clause
/* Which functions a cell defines again (see late_binding.h). */
#include "late_binding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The symbol in `... __asm__("cnb_c3_f");`, malloc'd. */
static char *symbol_of(const char *declaration)
{
    const char *start = strstr(declaration, "__asm__(\"");
    if (!start)
        return NULL;
    start += strlen("__asm__(\"");
    const char *end = strchr(start, '"');
    return end ? strndup(start, (size_t)(end - start)) : NULL;
}

/* Takes rebind's strings; -1 when out of memory (they are freed). */
static int append(Rebinds *out, Rebind rebind)
{
    Rebind *grown = rebind.name ? realloc(out->items, (out->count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(rebind.name);
        free(rebind.old_type);
        free(rebind.from);
        free(rebind.same_object);
        return -1;
    }
    out->items = grown;
    out->items[out->count++] = rebind;
    return 0;
}

static int plan_function(const StateEntry *old, const char *name, Rebinds *out)
{
    char *symbol = symbol_of(old->text), *from = NULL;
    if (!symbol)
        return 0;
    int n = asprintf(&from, "%s%s%s", old->former ? old->former : "", old->former ? " " : "", symbol);
    free(symbol);
    if (n < 0)
        return -1;
    return append(out, (Rebind){.name = strdup(name), .old_type = strdup(old->type), .from = from});
}

/* A variable declared again: the same object when its type is the same
 * (but a const may live in read-only memory, and an unsized array's size
 * comes from its initializer), else a new object the notes tell about. */
static int plan_variable(const CellState *state, const StateEntry *old, const CellItem *item,
                         const KeySet *declared, Rebinds *out)
{
    char *type = cell_item_type(item), *symbol = symbol_of(old->text);
    bool type_kept = type && cell_same_code(type, old->type);
    bool same = type_kept && !cell_text_mentions(type, "const") && !strstr(item->declarator, "[]") &&
                !cell_state_uses_replaced_type(state, declared, old);
    free(type);
    if (!symbol)
        return 0;
    if (same)
        return append(out, (Rebind){.name = strdup(item->name), .same_object = symbol});
    return append(out, (Rebind){.name = strdup(item->name), .old_type = strdup(old->type), .from = symbol,
                                .new_object = true, .type_kept = type_kept});
}

int late_binding_plan(const CellState *state, const CellPlan *plan, const KeySet *declared,
                      Rebinds *out)
{
    *out = (Rebinds){0};
    for (size_t i = 0; i < plan->count; i++) {
        const CellItem *item = &plan->items[i];
        bool variable = item->kind == ITEM_VARIABLE;
        if ((!variable && item->kind != ITEM_FUNCTION) || late_binding_find(out, item->name))
            continue;
        StateEntry *old = cell_state_find((CellState *)state, variable ? ENTRY_VARIABLE : ENTRY_FUNCTION,
                                          item->name);
        if (!old || !old->type)
            continue;
        /* A function whose type named a struct or typedef this cell
         * replaces does not have the same type any more. */
        int rc = variable ? plan_variable(state, old, item, declared, out)
                 : cell_state_uses_replaced_type(state, declared, old) ? 0
                                                                       : plan_function(old, item->name, out);
        if (rc < 0)
            return -1;
    }
    return 0;
}

const Rebind *late_binding_find(const Rebinds *rebinds, const char *name)
{
    for (size_t i = 0; i < rebinds->count; i++)
        if (strcmp(rebinds->items[i].name, name) == 0)
            return &rebinds->items[i];
    return NULL;
}

char *late_binding_check_symbol(int cell, const char *name)
{
    char *symbol = NULL;
    return asprintf(&symbol, "cnb_same_c%d_%s", cell, name) < 0 ? NULL : symbol;
}

json_t *late_binding_request(const Rebinds *rebinds, int cell)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < rebinds->count; i++) {
        const Rebind *r = &rebinds->items[i];
        if (r->same_object || r->new_object)
            continue;
        char *to = NULL, *check = late_binding_check_symbol(cell, r->name);
        if (asprintf(&to, "cnb_c%d_%s", cell, r->name) >= 0 && check)
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "name", r->name, "to", to,
                                                  "check", check, "from", r->from));
        free(to);
        free(check);
    }
    return list;
}

json_t *late_binding_replaced(const Rebinds *rebinds)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < rebinds->count; i++)
        if (rebinds->items[i].new_object)
            json_array_append_new(list, json_pack("{s:s, s:s}", "name", rebinds->items[i].name,
                                                  "from", rebinds->items[i].from));
    return list;
}

static bool listed(const json_t *cells, int cell)
{
    size_t i;
    json_t *number;
    json_array_foreach(cells, i, number)
        if (json_integer_value(number) == cell)
            return true;
    return false;
}

/* "bump, read_counter (In[3])": the current functions defined by cells;
 * returns how many. */
static size_t append_users(FILE *out, const json_t *cells, const CellState *state)
{
    size_t shown = 0;
    for (size_t i = 0; i < state->count; i++) {
        const StateEntry *entry = &state->entries[i];
        char *symbol = entry->kind == ENTRY_FUNCTION ? symbol_of(entry->text) : NULL;
        int cell;
        if (symbol && sscanf(symbol, "cnb_c%d_", &cell) == 1 && listed(cells, cell))
            fprintf(out, "%s%s (%s)", shown++ ? ", " : "", entry->keys[0], entry->origin);
        free(symbol);
    }
    return shown;
}

/* Said only when a function of an earlier cell still uses the old one. */
static void note_one(FILE *out, const Rebind *r, const json_t *users, const CellState *state)
{
    const json_t *cells = json_object_get(users, r->name);
    char *names = NULL;
    size_t size = 0;
    FILE *list = cells ? open_memstream(&names, &size) : NULL;
    size_t n = list ? append_users(list, cells, state) : 0;
    if (list)
        fclose(list);
    if (n > 0 && r->new_object && r->type_kept)
        fprintf(out, "note: %s is a new variable (a const or an unsized array is not changed in "
                     "place); %s still %s the old one: run %s again\n",
                r->name, names, n > 1 ? "use" : "uses", n > 1 ? "their cells" : "its cell");
    else if (n > 0)
        fprintf(out, "note: %s is a new %s of another type; %s still %s the old %s (%s): run %s again\n",
                r->name, r->new_object ? "variable" : "function", names,
                r->new_object ? (n > 1 ? "use" : "uses") : (n > 1 ? "call" : "calls"), r->name,
                r->old_type, n > 1 ? "their cells" : "its cell");
    free(names);
}

char *late_binding_notes(const Rebinds *rebinds, const json_t *done, const CellState *state)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    const json_t *kept = json_object_get(done, "kept"), *users = json_object_get(done, "users");
    for (size_t i = 0; i < rebinds->count; i++) {
        const Rebind *r = &rebinds->items[i];
        bool kept_function = false;
        size_t k;
        json_t *name;
        json_array_foreach(kept, k, name)
            kept_function |= json_is_string(name) && strcmp(json_string_value(name), r->name) == 0;
        if (r->new_object || kept_function)
            note_one(out, r, users, state);
    }
    fclose(out);
    if (size == 0) {
        free(text);
        return NULL;
    }
    return text;
}

void late_binding_confirm(Rebinds *rebinds, const json_t *done)
{
    size_t i;
    json_t *name;
    json_array_foreach(json_object_get(done, "rebound"), i, name) {
        for (size_t r = 0; r < rebinds->count; r++)
            if (json_is_string(name) && strcmp(rebinds->items[r].name, json_string_value(name)) == 0)
                rebinds->items[r].done = true;
    }
}

void late_binding_free(Rebinds *rebinds)
{
    for (size_t i = 0; i < rebinds->count; i++) {
        free(rebinds->items[i].name);
        free(rebinds->items[i].old_type);
        free(rebinds->items[i].from);
        free(rebinds->items[i].same_object);
    }
    free(rebinds->items);
    *rebinds = (Rebinds){0};
}
