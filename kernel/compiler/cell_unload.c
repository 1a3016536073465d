// SPDX-License-Identifier: BSD-3-Clause
/* Which cells leave nothing behind (see cell_unload.h). */
#include "cell_unload.h"

#include <string.h>

#include "c_lexer.h"

static bool only_statements(const CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind != ITEM_STATEMENT && plan->items[i].kind != ITEM_EXPRESSION)
            return false;
    return plan->count > 0;
}

/* Tokens whose storage outlives the call of the cell function. */
static bool keeps_storage(const char *code, const CToken *token)
{
    static const char *words[] = {"static", "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__",
                                  "_Thread_local", "thread_local", "__thread", "asm", "__asm__"};
    if (token->kind == CTOK_STRING || token->kind == CTOK_DIRECTIVE)
        return true;
    if (token->kind != CTOK_IDENT)
        return false;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (ctoken_is(code, token, words[i]))
            return true;
    return false;
}

bool cell_can_unload(const CellPlan *plan, const char *code)
{
    if (!only_statements(plan))
        return false;
    CTokens tokens = {0};
    if (c_lex(code, strlen(code), &tokens) != 0)
        return false;
    bool keeps = false;
    for (size_t i = 0; i < tokens.count && !keeps; i++)
        keeps = keeps_storage(code, &tokens.items[i]);
    c_tokens_free(&tokens);
    return !keeps;
}
