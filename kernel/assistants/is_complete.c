// SPDX-License-Identifier: BSD-3-Clause
/* is_complete_request: a lexical judgement, as the console needs it to
 * decide whether Enter runs the cell or opens a new line.  Open braces,
 * brackets, parentheses, block comments and continued directives ask for
 * more input; a closer that does not match its opener can never become
 * valid, whatever follows. */
#include "interpreter/interpreter.h"
#include "compiler/c_lexer.h"

#include <stdlib.h>
#include <string.h>

#define INDENT_UNIT 4

static char closer_for(char opener)
{
    return opener == '(' ? ')' : opener == '[' ? ']' : '}';
}

const char *interpreter_is_complete(const char *code, char **indent)
{
    if (indent)
        *indent = NULL;
    if (!code)
        return "invalid";
    CTokens tokens = {0};
    if (c_lex(code, strlen(code), &tokens) != 0)
        return "invalid";
    char *stack = malloc(tokens.count + 1);
    size_t depth = 0;
    const char *verdict = "complete";
    for (size_t i = 0; stack && i < tokens.count; i++) {
        const CToken *t = &tokens.items[i];
        if (t->unterminated) {
            /* A string cannot continue on the next line; a comment or a
             * directive ending in a backslash does. */
            if (t->kind == CTOK_STRING || t->kind == CTOK_CHAR) {
                verdict = "invalid";
                break;
            }
            verdict = "incomplete";
            continue;
        }
        if (t->kind != CTOK_PUNCT || t->length != 1)
            continue;
        char c = code[t->start];
        if (c == '(' || c == '[' || c == '{') {
            stack[depth++] = c;
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth == 0 || closer_for(stack[depth - 1]) != c) {
                verdict = "invalid";
                break;
            }
            depth--;
        }
    }
    if (!stack)
        verdict = "invalid";
    if (strcmp(verdict, "invalid") != 0 && depth > 0)
        verdict = "incomplete";
    if (strcmp(verdict, "incomplete") == 0 && indent) {
        size_t width = depth * INDENT_UNIT;
        *indent = malloc(width + 1);
        if (*indent) {
            memset(*indent, ' ', width);
            (*indent)[width] = '\0';
        }
    }
    free(stack);
    c_tokens_free(&tokens);
    return verdict;
}
