// SPDX-License-Identifier: BSD-3-Clause
/* The splitter's first pass (see cell_tokens.h): where each top-level
 * item of a cell ends -- a ';' at depth 0, or the '}' closing a function
 * body or a compound statement. */
#include "cell_tokens.h"

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

size_t cell_chunk_end(const Splitter *s, size_t start, bool *terminated)
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
