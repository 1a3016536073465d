// SPDX-License-Identifier: BSD-3-Clause
/* Unit tests of is_complete: complete, incomplete (with indent), invalid. */
#include "tap.h"
#include "interpreter/interpreter.h"

#include <stdlib.h>

static void check(const char *code, const char *want, const char *want_indent, const char *what)
{
    char *indent = NULL;
    const char *got = interpreter_is_complete(code, &indent);
    is_str(got, want, "%s", what);
    if (want_indent)
        is_str(indent, want_indent, "%s: indent", what);
    free(indent);
}

int main(void)
{
    check("int x = 1;", "complete", NULL, "a declaration");
    check("", "complete", NULL, "empty code");
    check("x + 1", "complete", NULL, "a trailing expression");
    check("int f(void) {", "incomplete", "    ", "open brace");
    check("for (;;) {\n  if (x) {", "incomplete", "        ", "two open braces");
    check("printf(\"%d\",", "incomplete", "    ", "open parenthesis");
    check("int a[] = {1, 2", "incomplete", "    ", "open initializer");
    check("}", "invalid", NULL, "a closer without opener");
    check("int f(void) { return (1; }", "invalid", NULL, "mismatched closer");
    check("char *s = \"{\";", "complete", NULL, "brace in a string");
    check("char c = '{';", "complete", NULL, "brace in a character literal");
    check("// {\nint x;", "complete", NULL, "brace in a line comment");
    check("/* { */ int y;", "complete", NULL, "brace in a block comment");
    check("/* unfinished", "incomplete", NULL, "open block comment");
    check("#define TWICE(x) \\", "incomplete", NULL, "continued directive");
    check("char *s = \"oops;", "invalid", NULL, "unterminated string");
    check("if (x) { y(); } else { z(); }", "complete", NULL, "balanced if/else");
    return tap_done();
}
