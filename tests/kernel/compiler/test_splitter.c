// SPDX-License-Identifier: BSD-3-Clause
/* Unit tests of the cell splitter: what goes to file scope, what runs. */
#include "tap.h"
#include "compiler/cell_splitter.h"
#include "compiler/conditionals.h"
#include "compiler/help_request.h"
#include "compiler/macro_table.h"

#include <stdlib.h>
#include <string.h>

static bool user_types(const char *name, void *context)
{
    (void)context;
    return strcmp(name, "Model") == 0 || strcmp(name, "Point") == 0;
}

static CellPlan plan;

static void split(const char *code)
{
    cell_plan_free(&plan);
    if (cell_split(code, user_types, NULL, &plan) != 0)
        printf("# cell_split failed\n");
}

/* "kind:name" of each item, joined by spaces. */
static const char *shape(void)
{
    static char buffer[1024];
    buffer[0] = '\0';
    for (size_t i = 0; i < plan.count; i++) {
        const CellItem *item = &plan.items[i];
        char part[128];
        snprintf(part, sizeof part, "%s%s%s%s", i ? " " : "", cell_item_kind_name(item->kind),
                 item->name ? ":" : "", item->name ? item->name : "");
        strncat(buffer, part, sizeof buffer - strlen(buffer) - 1);
    }
    return buffer;
}

static bool has_key(const CellItem *item, const char *key)
{
    for (size_t i = 0; i < item->key_count; i++)
        if (strcmp(item->keys[i], key) == 0)
            return true;
    return false;
}

/* The probe keeps directives and marks every other line; applying what
 * the preprocessor kept blanks the rest, line numbers intact. */
static void test_conditionals(void)
{
    const char *code = "#if 0\nint hidden;\n#else\nint kept;\n#endif\n#define LATER 1\nkept = 2;";
    ok(conditionals_present(code), "#if is a conditional");
    ok(!conditionals_present("#define X 1\n/* #if 0 */ int y;"), "a #define or a commented #if is not");
    char *probe = conditionals_probe(code);
    is_str(probe, "#if 0\ncnb_line_2\n#else\ncnb_line_4\n#endif\ncnb_line_6\n#define LATER 1\ncnb_line_7\n",
           "the probe marks code and other directives");
    free(probe);
    char resolved[] = "#if 0\nint hidden;\n#else\nint kept;\n#endif\n#define LATER 1\nkept = 2;";
    conditionals_apply(resolved, "cnb_line_4\ncnb_line_6\ncnb_line_7\n");
    is_str(resolved, "     \n           \n     \nint kept;\n      \n#define LATER 1\nkept = 2;",
           "the preprocessor's choice, blanked in place");
    char continued[] = "#if 0\n#define LONG \\\n   1\n#endif";
    conditionals_apply(continued, "");
    is_str(continued, "     \n              \n    \n      ", "a dropped directive with its continuation");
}

static void test_help_lines(void)
{
    StringList names = {0};
    char code[] = "int a = 1;\nmodel_forward?\n??tensor_new\nint b = a ?\nflag?\n1 : 2;";
    help_requests_take(code, &names);
    is_int((long long)names.count, 2, "two help lines");
    is_str(names.count > 1 ? names.items[1] : "", "tensor_new", "??name");
    is_str(code, "int a = 1;\n              \n            \nint b = a ?\nflag?\n1 : 2;",
           "blanked; the ternary's `flag?` stays code");
    string_list_free(&names);
}

/* The macros in force: object-like and function-like, redefined, removed. */
static void test_macro_table(void)
{
    MacroTable table;
    macro_table_init(&table);
    const char *api = "#define API extern /* export */";
    is_int(macro_table_apply(&table, api, strlen(api)), 1, "#define is applied");
    const Macro *m = macro_table_find(&table, "API", 3);
    ok(m && !m->function_like, "API is object-like");
    is_str(m ? m->body : NULL, "extern", "comment kept out of the body");
    const char *pub = "#  define PUB(type) \\\n    type";
    is_int(macro_table_apply(&table, pub, strlen(pub)), 1, "a continued #define is applied");
    m = macro_table_find(&table, "PUB", 3);
    ok(m && m->function_like && m->param_count == 1 && strcmp(m->params[0], "type") == 0,
       "PUB(type) is function-like with one parameter");
    is_str(m ? m->body : NULL, "type", "continuation joined");
    const char *logf = "#define LOG(fmt, ...) printf(fmt, __VA_ARGS__)";
    macro_table_apply(&table, logf, strlen(logf));
    m = macro_table_find(&table, "LOG", 3);
    ok(m && m->variadic && m->param_count == 2 && strcmp(m->params[1], "__VA_ARGS__") == 0,
       "... is __VA_ARGS__");
    const char *paren = "#define NOT_A_CALL (1 + 2)";
    macro_table_apply(&table, paren, strlen(paren));
    m = macro_table_find(&table, "NOT_A_CALL", 10);
    ok(m && !m->function_like, "a blank before '(' makes it object-like");
    const char *again = "#define API";
    macro_table_apply(&table, again, strlen(again));
    m = macro_table_find(&table, "API", 3);
    is_str(m ? m->body : NULL, "", "a redefinition replaces");
    MacroTable copy;
    is_int(macro_table_copy(&copy, &table), 0, "the table copies");
    const char *undef = "#undef API";
    is_int(macro_table_apply(&table, undef, strlen(undef)), 1, "#undef is applied");
    ok(macro_table_find(&table, "API", 3) == NULL, "#undef removes");
    ok(macro_table_find(&copy, "API", 3) != NULL, "the copy keeps its own");
    const char *pragma = "#pragma once";
    is_int(macro_table_apply(&table, pragma, strlen(pragma)), 0, "other directives leave it alone");
    const char *bad = "#define F(a,";
    is_int(macro_table_apply(&table, bad, strlen(bad)), 0, "a malformed #define is left to gcc");
    macro_table_free(&copy);
    macro_table_free(&table);
}

int main(void)
{
    test_macro_table();
    test_conditionals();
    test_help_lines();
    split("int x = 1;\nprintf(\"%d\\n\", x);\n");
    is_str(shape(), "variable:x statement", "declaration then statement");
    is_str(plan.items[0].initializer, "1", "initializer text");
    is_int(plan.items[1].line, 2, "statement line");

    split("Model *m = sequential(flatten(), relu());");
    is_str(shape(), "variable:m", "non-constant initializer is a variable");
    is_str(plan.items[0].specifiers, "Model", "specifiers");
    is_str(plan.items[0].declarator, "*m", "declarator");
    ok(strstr(plan.items[0].init_declaration, "*" CELL_INIT_NAME " =") != NULL,
       "init declaration renames the variable: %s", plan.items[0].init_declaration);

    split("Unknown *u = make();\nfoo(1);");
    is_str(shape(), "variable:u statement", "unknown type name recognized by shape");

    split("Unknown *make_unknown(void) { return NULL; }\nUnknown *w(int);\nmake_unknown()");
    is_str(shape(), "function:make_unknown prototype:w expression",
           "a function returning a pointer to an unknown type name is a function");

    split("a * b");
    is_str(shape(), "expression", "trailing product is an expression");

    split("int f(int a) {\n  if (a) { return 1; }\n  return 2;\n}\nf(3)");
    is_str(shape(), "function:f expression", "function definition and trailing call");
    is_str(plan.items[0].declarator, "f(int a)", "function declarator");
    is_int(plan.items[1].line, 5, "trailing expression line");

    split("static inline int g(void) { return 4; }");
    is_str(shape(), "function:g", "static inline function");
    ok(strstr(plan.items[0].text, "static") == NULL && strstr(plan.items[0].text, "inline") == NULL,
       "storage classes removed: %s", plan.items[0].text);

    split("struct P { int x, y; };\ntypedef struct P P2;\nenum Color { RED, GREEN = 3, BLUE };");
    is_str(shape(), "type type type", "struct, typedef, enum");
    ok(has_key(&plan.items[0], "struct P"), "struct key");
    ok(has_key(&plan.items[1], "P2"), "typedef key");
    ok(has_key(&plan.items[2], "enum Color") && has_key(&plan.items[2], "RED") &&
       has_key(&plan.items[2], "GREEN") && has_key(&plan.items[2], "BLUE"), "enum keys");

    split("typedef struct Node { int v; struct Node *next; } Node;");
    is_str(shape(), "type", "typedef of a struct definition");
    ok(has_key(&plan.items[0], "struct Node") && has_key(&plan.items[0], "Node"), "both keys");

    split("struct Q { int a; } q = { 1 }, *qp;");
    is_str(shape(), "type variable:q variable:qp", "struct definition with variables");
    is_str(plan.items[1].specifiers, " struct Q ", "variables refer to the tag");

    split("#include <math.h>\n#define N 10\n#undef M\n#pragma once\nint a[N];");
    is_str(shape(), "include define:N define:M directive variable:a", "directives");

    split("for (int i = 0; i < 3; i++) {\n  printf(\"{\");\n}\nint y = 2;");
    is_str(shape(), "statement variable:y", "for loop with braces in a string");

    split("if (x) { a(); } else { b(); }\nif (y) c(); else d();\nz = 1;");
    is_str(shape(), "statement statement statement", "if/else chains stay one statement");

    split("do { x++; } while (x < 3);\nwhile (0) {}\n{ int local = 1; }");
    is_str(shape(), "statement statement statement", "do-while, while, block");

    split("/* a { brace */ int c = '}'; // and } here\nchar *s = \"}{\";");
    is_str(shape(), "variable:c variable:s", "braces in comments, chars and strings");

    split("/** Adds one. */\nint inc(int v) { return v + 1; }");
    ok(plan.count == 1 && plan.items[0].comment && strstr(plan.items[0].comment, "Adds one"),
       "doc comment attached");

    split("int sq(int);\nextern int errno_like;\ndouble (*fp)(double) = sqrt;");
    is_str(shape(), "prototype:sq extern:errno_like variable:fp", "prototype, extern, function pointer");

    split("int v[] = {1, 2, 3};\nconst int k = compute();");
    is_str(shape(), "variable:v variable:k", "array and const");
    ok(plan.items[0].static_init, "unsized array keeps its initializer");
    is_str(plan.items[0].extern_declarator, "v[3]", "unsized array gets its size for later cells");
    ok(!plan.items[1].static_init && strstr(plan.items[1].definition, "const") == NULL,
       "const copied-in global defined without const: %s", plan.items[1].definition);

    split("Point pts[] = {{\"a\", data.x, data.n}, {\"b\", data.y, data.n}};\nint w[] = {[2] = n};");
    is_str(shape(), "variable:pts variable:w", "unsized arrays with run-time initializers");
    ok(!plan.items[0].static_init, "an unsized array of run-time values is initialized at run time");
    ok(strstr(plan.items[0].definition, "pts[2]") != NULL,
       "and defined with the size its braces count: %s", plan.items[0].definition);
    is_str(plan.items[0].extern_declarator, "pts[2]", "the same size for later cells");
    ok(plan.items[1].static_init && strstr(plan.items[1].definition, "w[]") != NULL,
       "designators leave the size to the compiler, and the initializer on the definition");

    split("static float buffer[1 << 20] = {0};\nint m1 = -1;\nint viax = m1;\nchar *hi = \"hi\";");
    ok(plan.count == 4 && plan.items[0].static_init && plan.items[1].static_init &&
       !plan.items[2].static_init && plan.items[3].static_init,
       "constant initializers stay static, others run");

    split("Point p\n");
    is_str(shape(), "variable:p", "trailing declaration without semicolon");

    split("x = 5;\nx");
    is_str(shape(), "statement expression", "assignment is a statement");
    split("x += 5");
    is_str(shape(), "statement", "a trailing assignment is a statement, not a result");
    split("x == 5");
    is_str(shape(), "expression", "a trailing comparison is a result");

    split("unsigned long long big = 1ULL << 40, small;");
    is_str(shape(), "variable:big variable:small", "multiple declarators");

    split("_Static_assert(1, \"yes\");\nstruct Fwd;");
    is_str(shape(), "file-scope file-scope", "static assert and forward declaration");

    split("int twice(int v)\n{\n#ifdef DOUBLE\n  return 2 * v;\n#else\n  return v + v;\n#endif\n}\ntwice(2)");
    is_str(shape(), "function:twice expression", "directives inside a function body stay in it");

    split("do x++; while (x < 3);\nwhile (y) y--;");
    is_str(shape(), "statement statement", "do without braces, then a while loop");

    split("label: x++;\nreturn;");
    is_str(shape(), "statement statement", "labels and return are statements");

    split("");
    is_int((long long)plan.count, 0, "empty cell");
    split("// only a comment\n");
    is_int((long long)plan.count, 0, "comment-only cell");

    cell_plan_free(&plan);
    return tap_done();
}
