// SPDX-License-Identifier: BSD-3-Clause
/* Items of an expanded cell back in the user's text; see cell_own_text.h. */
#include "cell_own_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The cell offset of expanded offset at: inside an invocation it is the
 * invocation's end, except at its very start. */
static size_t to_cell(const ExpandedCell *cell, size_t at, bool start)
{
    long shift = 0;
    for (size_t i = 0; i < cell->span_count; i++) {
        const MacroSpan *s = &cell->spans[i];
        if (start && at == s->from)
            break;
        if (s->to <= at) {
            shift += (long)(s->cell_to - s->cell_from) - (long)(s->to - s->from);
        } else if (s->from < at) {
            return s->cell_to;
        } else {
            break;
        }
    }
    return (size_t)((long)at + shift);
}

/* Does [from, to) cut through an invocation? */
static bool cuts_invocation(const ExpandedCell *cell, size_t from, size_t to)
{
    for (size_t i = 0; i < cell->span_count; i++) {
        const MacroSpan *s = &cell->spans[i];
        if ((s->from < from && s->to > from) || (s->from < to && s->to > to))
            return true;
    }
    return false;
}

/* text is the expanded code [from, to) (storage classes maybe blanked, a
 * ';' maybe added): the same with each invocation in it written as the
 * user wrote it.  NULL when text is not such a slice, or when something
 * was blanked inside an invocation (a `static` a macro expands to). */
static char *revert(const char *code, const ExpandedCell *cell, const char *text, size_t from, size_t to)
{
    size_t n = to - from, length = strlen(text);
    if (length < n)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (text[i] != cell->text[from + i] && text[i] != ' ')
            return NULL;
    size_t extra = 0;
    for (size_t i = 0; i < cell->span_count; i++) {
        const MacroSpan *s = &cell->spans[i];
        if (s->from >= from && s->to <= to)
            extra += s->cell_to - s->cell_from;
    }
    char *out = malloc(length + extra + 1);
    if (!out)
        return NULL;
    size_t o = 0, at = from;
    for (size_t i = 0; i < cell->span_count; i++) {
        const MacroSpan *s = &cell->spans[i];
        if (s->from < from || s->to > to || (s->from == s->to && s->from == to && to > from))
            continue;
        if (memcmp(text + (s->from - from), cell->text + s->from, s->to - s->from) != 0) {
            free(out);
            return NULL;
        }
        memcpy(out + o, text + (at - from), s->from - at);
        o += s->from - at;
        memcpy(out + o, code + s->cell_from, s->cell_to - s->cell_from);
        o += s->cell_to - s->cell_from;
        at = s->to;
    }
    memcpy(out + o, text + (at - from), length - (at - from));
    o += length - (at - from);
    out[o] = '\0';
    return out;
}

char *cell_line_lead(const char *code, size_t offset)
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

/* A type is compiled as later cells carry it (expanded), so that what is
 * carried has compiled once; a function carries its prototype, which the
 * cell compiles expanded before the definition as written. */
static bool compiled_as_written(CellItemKind kind)
{
    return kind == ITEM_FUNCTION || kind == ITEM_STATEMENT || kind == ITEM_EXPRESSION ||
           kind == ITEM_FILE_SCOPE;
}

static int restore_item(const char *code, const ExpandedCell *cell, CellItem *item)
{
    size_t from = item->start, to = item->end;
    item->start = to_cell(cell, from, true);
    item->end = to_cell(cell, to, false);
    if (item->end < item->start)
        item->end = item->start;
    if (cuts_invocation(cell, from, to))
        return 0;
    if (item->text && compiled_as_written(item->kind))
        item->own_text = revert(code, cell, item->text, from, to);
    if (item->kind == ITEM_VARIABLE && item->initializer && item->init_start >= from &&
        !cuts_invocation(cell, item->init_start, to)) {
        item->own_initializer = revert(code, cell, item->initializer, item->init_start, to);
        if (item->own_initializer) {
            free(item->init_lead);
            if (!(item->init_lead = cell_line_lead(code, to_cell(cell, item->init_start, true))))
                return -1;
        }
    }
    char *lead = cell_line_lead(code, item->start);
    if (!lead)
        return -1;
    free(item->lead);
    item->lead = lead;
    return 0;
}

int cell_own_text_restore(const char *code, const ExpandedCell *cell, CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        if (restore_item(code, cell, &plan->items[i]) != 0)
            return -1;
    return 0;
}
