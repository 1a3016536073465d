// SPDX-License-Identifier: BSD-3-Clause
/* Unit tests of the macro expander and of the splitter reading a cell
 * after its macros: what the compiler sees, and what the cell keeps of the
 * user's own text. */
#include "tap.h"
#include "compiler/cell_splitter.h"
#include "compiler/included_macros.h"
#include "compiler/macro_expander.h"
#include "compiler/macro_table.h"

#include <stdlib.h>
#include <string.h>

static MacroTable table;
static CellPlan plan;

static void define(const char *directive)
{
    macro_table_apply(&table, directive, strlen(directive));
}

/* The expansion of code under the table, for is_str. */
static const char *expand(const char *code)
{
    static char *last;
    free(last);
    last = macro_expand_text(code, &table);
    return last;
}

static void split(const char *code)
{
    cell_plan_free(&plan);
    if (cell_split_macros(code, &table, NULL, NULL, &plan) != 0)
        printf("# cell_split_macros failed\n");
}

static const char *shape(void)
{
    static char buffer[1024];
    buffer[0] = '\0';
    for (size_t i = 0; i < plan.count; i++) {
        const CellItem *item = &plan.items[i];
        char part[160];
        snprintf(part, sizeof part, "%s%s%s%s", i ? " " : "", cell_item_kind_name(item->kind),
                 item->name ? ":" : "", item->name ? item->name : "");
        strncat(buffer, part, sizeof buffer - strlen(buffer) - 1);
    }
    return buffer;
}

static void test_expansion(void)
{
    macro_table_init(&table);
    define("#define PUB(type) type");
    is_str(expand("PUB(int) twice_of(int v);"), "int twice_of(int v);", "function-like around a type");
    is_str(expand("PUB ;"), "PUB ;", "a function-like name without '(' stays");
    define("#define MAKE_GETTER(n, v) int get_##n(void) { return v; }");
    is_str(expand("MAKE_GETTER(seven, 7)"), "int get_seven(void) { return 7; }", "token pasting");
    define("#define COLOURS X(RED) X(GREEN) X(BLUE)");
    define("#define X(n) n,");
    is_str(expand("enum colour { COLOURS };"), "enum colour { RED, GREEN, BLUE, };", "X-macro, enum");
    define("#undef X");
    define("#define X(n) #n,");
    is_str(expand("const char *names[] = { COLOURS };"),
           "const char *names[] = { \"RED\", \"GREEN\", \"BLUE\", };", "X-macro, stringized");
    define("#define STR(s) #s");
    is_str(expand("STR(a  \"q\\n\"  b)"), "\"a \\\"q\\\\n\\\" b\"", "stringizing escapes a literal");
    define("#define LOG(fmt, ...) printf(fmt, ## __VA_ARGS__)");
    is_str(expand("LOG(\"x\");"), "printf(\"x\");", "GNU comma dropped before an empty __VA_ARGS__");
    is_str(expand("LOG(\"%d\", 1, 2);"), "printf(\"%d\", 1, 2);", "variadic arguments");
    define("#define OPT(a, ...) f(a __VA_OPT__(,) __VA_ARGS__)");
    is_str(expand("OPT(1) OPT(1, 2)"), "f(1) f(1, 2)", "__VA_OPT__");
    define("#define SELF SELF + 1");
    is_str(expand("SELF"), "SELF + 1", "a macro is not expanded inside itself");
    define("#define F G");
    define("#define G(x) (x * 2)");
    is_str(expand("F(3)"), "(3 * 2)", "rescanning takes arguments from the cell");
    define("#define NIL()");
    is_str(expand("a NIL() b"), "a  b", "an empty invocation");
    define("#define TWICE(x) x x");
    is_str(expand("TWICE(PUB(int))"), "int int", "arguments are expanded first");
    define("#define CAT(a, b) a##b");
    is_str(expand("CAT(PUB, (long))"), "long", "a pasted name is rescanned");
    is_str(expand("CAT(, x) CAT(y, )"), "x y", "pasting with an empty argument");
    is_str(expand("\"PUB(int)\" /* PUB(int) */ x"), "\"PUB(int)\" /* PUB(int) */ x",
           "strings and comments are left alone");
    is_str(expand("PUB(int\n)\nnext;"), "int\n\nnext;", "an invocation over lines keeps the line count");
    macro_table_free(&table);

    macro_table_init(&table);
    char *flags[] = {"-O2", "-DWRAP(t)=t", "-DNDEBUG", "-D", "LEVEL=3", "-UNDEBUG"};
    is_int(macro_table_apply_flags(&table, flags, 6), 0, "-D and -U of the flags");
    is_str(expand("WRAP(long) LEVEL NDEBUG"), "long 3 NDEBUG", "are macros, applied in order");
    macro_table_free(&table);

    macro_table_init(&table);
    is_str(expand("#define K 3\nint k = K;\n#undef K\nint j = K;"),
           "#define K 3\nint k = 3;\n#undef K\nint j = K;", "the cell's own #define and #undef, in order");
    /* 2^18 tokens: past the budget, the cell is split as written. */
    char chain[4096] = "";
    for (int i = 0; i < 18; i++)
        snprintf(chain + strlen(chain), sizeof chain - strlen(chain), "#define D%d D%d D%d\n", i, i + 1, i + 1);
    strncat(chain, "int huge = D0;", sizeof chain - strlen(chain) - 1);
    ExpandedCell cell;
    is_int(macro_expand_cell(chain, &table, &cell), 0, "an expansion that would never end");
    ok(cell.text == NULL, "is given up: the cell stays as written");
    expanded_cell_free(&cell);
    is_int(macro_expand_cell("int plain = 1;", &table, &cell), 0, "a cell without macros");
    ok(cell.text == NULL && cell.span_count == 0, "is not expanded at all");
    macro_table_free(&table);
}

static void test_split_after_macros(void)
{
    macro_table_init(&table);
    define("#define PUB(type) type");
    split("PUB(int) twice_of(int v);\nPUB(int) twice_of(int v) { return 2 * v; }\ntwice_of(4)");
    is_str(shape(), "prototype:twice_of function:twice_of expression", "export macro: prototype and function");
    is_str(plan.items[1].specifiers, "int", "the function's specifiers are expanded");
    is_str(cell_item_code(&plan.items[1]), "PUB(int) twice_of(int v) { return 2 * v; }",
           "the function compiles as written");
    is_int((int)plan.items[1].start, 26, "its range is the cell's");
    is_int(plan.items[2].line, 3, "lines are the cell's");
    ok(plan.expanded && strstr(plan.expanded, "int twice_of(int v) {"), "the plan keeps the expansion");

    define("#define MAKE_GETTER(n, v) int get_##n(void) { return v; }");
    split("MAKE_GETTER(seven, 7)\nget_seven()");
    is_str(shape(), "function:get_seven expression", "a macro that defines a function");
    is_str(cell_item_code(&plan.items[0]), "MAKE_GETTER(seven, 7)", "kept as the user wrote it");
    is_str(plan.items[0].declarator, "get_seven(void)", "its declarator for later cells");

    define("#define TWO_FUNCTIONS(n) int n##_a(void) { return 1; } int n##_b(void) { return 2; }");
    split("TWO_FUNCTIONS(p)");
    is_str(shape(), "function:p_a function:p_b", "one invocation, two functions");
    ok(plan.items[0].own_text == NULL && strstr(plan.items[1].text, "p_b(void)"),
       "each compiles in expanded form");

    define("#define SWAP(a, b) do { int t_ = a; a = b; b = t_; } while (0)");
    split("SWAP(x, y);");
    is_str(shape(), "statement", "a macro that expands to a statement is a statement");
    is_str(cell_item_code(&plan.items[0]), "SWAP(x, y);", "and runs as written");

    split("#define COLOURS X(RED) X(GREEN) X(BLUE)\n#define X(n) n,\nenum colour { COLOURS };\n"
          "#undef X\n#define X(n) #n,\nconst char *colour_names[] = { COLOURS };");
    is_str(shape(), "define:COLOURS define:X type define:X define:X variable:colour_names",
           "X-macros defined in the cell, in order");
    is_str(plan.items[2].text, "enum colour { RED, GREEN, BLUE, };", "the enum as later cells carry it");
    ok(plan.items[2].own_text == NULL, "a type compiles as it is carried");
    ok(plan.items[2].key_count == 4, "its enumerators are keys");
    is_str(plan.items[5].extern_declarator, "*colour_names[3]", "the table's size is counted");
    is_str(cell_item_initializer(&plan.items[5]), "{ COLOURS }", "the initializer as written");
    is_int(plan.items[5].line, 6, "the variable's line");

    define("#define API static");
    split("API int helper(void) { return 1; }");
    is_str(shape(), "function:helper", "a macro that expands to a storage class");
    ok(plan.items[0].own_text == NULL && strstr(plan.items[0].text, "static") == NULL,
       "compiles expanded, without the static: %s", plan.items[0].text);

    define("#define ZEXTERN extern");
    define("#define ZEXPORT");
    define("#define OF(args) args");
    split("ZEXTERN int ZEXPORT deflate OF((void *strm, int flush));");
    is_str(shape(), "prototype:deflate", "zlib's prototype style");
    ok(strstr(plan.items[0].text, "extern") == NULL, "no extern of its own: %s", plan.items[0].text);
    macro_table_free(&table);

    split("int plain = 2;\nplain += 1;");
    ok(plan.expanded == NULL && plan.items[0].own_text == NULL, "a cell without macros is not expanded");
    cell_plan_free(&plan);
}

/* What gcc -E -dD printed: the header's macros after the marker count,
 * the probe's own and those before the marker do not. */
static void test_included_macros(void)
{
    char *probe = included_macros_probe("#include \"cnb_pch.h\"", "int x;",
                                        "#include <zlib.h>\nint y = 2;\n#define MINE 1\n#undef MINE");
    is_str(probe, "#include \"cnb_pch.h\"\nint x;\n#define cnb_cell_directives_\n#include <zlib.h>\n"
                  "#define MINE 1\n#undef MINE\n", "the probe: header, prelude, marker, directives");
    free(probe);
    const char *output =
        "# 0 \"probe.c\"\n# 0 \"<built-in>\"\n#define __STDC__ 1\n# 1 \"probe.c\"\n"
        "#define cnb_cell_directives_\n# 1 \"/usr/include/zconf.h\" 1 3 4\n#define ZEXTERN extern\n"
        "#define OF(args) args\n# 5 \"/usr/include/zlib.h\" 2 3 4\n#undef Z_SOLO\n"
        "# 3 \"probe.c\" 2\n#define MINE 1\nint y = 2;\n";
    char *macros = included_macros_collect(output, "probe.c");
    is_str(macros, "#define ZEXTERN extern\n#define OF(args) args\n#undef Z_SOLO\n",
           "the headers' #define and #undef lines");
    free(macros);
}

int main(void)
{
    test_included_macros();
    test_expansion();
    test_split_after_macros();
    return tap_done();
}
