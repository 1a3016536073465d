// SPDX-License-Identifier: BSD-3-Clause
/* libFuzzer target: what the kernel does with a cell's text before any
 * compiler sees it: the magics parser (kernel/compiler/magics.c), the lexer
 * and the cell splitter (c_lexer.c, cell_splitter.c) and is_complete.
 *
 * Checks beyond "no crash": every item lies inside the cell, in order (a
 * declaration such as `struct S {...} s;` gives two items over the same
 * text), with a line number inside the cell; the magics keep the cell's
 * line count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/c_lexer.h"
#include "compiler/cell_splitter.h"
#include "interpreter/interpreter.h"
#include "compiler/magics.h"

/* As a notebook would have them: a few names are types from earlier cells. */
static bool known_type(const char *name, void *context)
{
    (void)context;
    static const char *types[] = {"Model", "Tensor", "Point", "size_t", "uint8_t"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i]) == 0)
            return true;
    return false;
}

static size_t count_lines(const char *text)
{
    size_t lines = 1;
    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

static void check_plan(const char *code, const CellPlan *plan)
{
    size_t size = strlen(code), lines = count_lines(code), previous_start = 0;
    for (size_t i = 0; i < plan->count; i++) {
        const CellItem *item = &plan->items[i];
        if (item->start > item->end || item->end > size || item->start < previous_start ||
            item->line < 1 || (size_t)item->line > lines)
            abort();
        previous_start = item->start;
        /* The type of what a cell defines, as %who and late binding ask for it. */
        if (item->kind == ITEM_VARIABLE || item->kind == ITEM_FUNCTION) {
            if (!item->name || !item->specifiers || !item->declarator)
                abort();
            free(cell_item_type(item));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *code = malloc(size + 1);
    if (!code)
        return 0;
    memcpy(code, data, size);
    code[size] = '\0';   /* a cell is text: an embedded NUL ends it, as in the kernel */

    CellMagics magics;
    if (magics_parse(code, &magics) == 0) {
        if (magics.code && !magics.error && count_lines(magics.code) != count_lines(code))
            abort();
        magics_free(&magics);
    }
    CTokens tokens = {0};   /* c_lex appends to it */
    if (c_lex(code, strlen(code), &tokens) == 0)
        c_tokens_free(&tokens);
    CellPlan plan;
    if (cell_split(code, known_type, NULL, &plan) == 0) {
        check_plan(code, &plan);
        cell_plan_free(&plan);
    }
    char *indent = NULL;
    (void)interpreter_is_complete(code, &indent);
    free(indent);
    free(code);
    return 0;
}
