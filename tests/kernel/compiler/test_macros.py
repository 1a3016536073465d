# SPDX-License-Identifier: BSD-3-Clause
"""Real C in cells (issue 22): a cell is split into declarations and
statements after the macros in force, so export macros, macros that define
functions, X-macros and a pasted system header work as in a C file, and a
later cell sees each declaration as it meant when it was written."""

import pathlib

import pytest

from front_support import (execute, isolate_history, needs_kernel, shell_reply, start_kernel, stdout_of,
                           stop_kernel, text_result)

pytestmark = needs_kernel
isolate_history('macros')


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def run(kc, code):
    reply, outputs = execute(kc, code)
    return reply["content"], outputs


def ok(kc, code):
    """Runs code, which must succeed; its outputs."""
    content, outputs = run(kc, code)
    assert content["status"] == "ok", (code, content, stdout_of(outputs, "stderr"))
    return outputs


def value(kc, code):
    return text_result(ok(kc, code))


def test_export_macro_around_the_return_type(kernel):
    _, kc = kernel
    outputs = ok(kc, "#define PUB(type) type\nPUB(int) twice_of(int v);\n"
                     "PUB(int) twice_of(int v) { return 2 * v; }")
    assert "static declaration" not in stdout_of(outputs, "stderr")
    assert value(kc, "twice_of(21)") == "42"


def test_a_header_and_its_source_in_separate_cells(kernel):
    """The issue's first case: prototypes through an export macro in one
    cell, their definitions in the next, used from a third."""
    _, kc = kernel
    ok(kc, "#define LIB_PUBLIC(type) extern type\n"
           "typedef struct lib_item { int value; struct lib_item *next; } lib_item;\n"
           "LIB_PUBLIC(lib_item *) lib_new(int value);\n"
           "LIB_PUBLIC(void) lib_delete(lib_item *item);\n")
    ok(kc, "#include <stdlib.h>\n"
           "LIB_PUBLIC(lib_item *) lib_new(int value) { lib_item *i = calloc(1, sizeof *i); i->value = value; return i; }\n"
           "LIB_PUBLIC(void) lib_delete(lib_item *item) { free(item); }")
    outputs = ok(kc, "lib_item *made = lib_new(5);\nprintf(\"%d\\n\", made->value);\nlib_delete(made);")
    assert stdout_of(outputs) == "5\n"


def test_a_macro_that_defines_a_function(kernel):
    _, kc = kernel
    outputs = ok(kc, "#define MAKE_GETTER(n, v) int get_##n(void) { return v; }\nMAKE_GETTER(seven, 7)")
    assert "defined but not used" not in stdout_of(outputs, "stderr")
    assert value(kc, "get_seven()") == "7"


def test_x_macros_redefined_later(kernel):
    _, kc = kernel
    ok(kc, "#define COLOURS X(RED) X(GREEN) X(BLUE)\n#define X(n) n,\nenum colour { COLOURS };\n#undef X")
    ok(kc, "#define X(n) #n,\nconst char *colour_names[] = { COLOURS };\n#undef X")
    assert value(kc, "colour_names[BLUE]") == '"BLUE"'
    assert value(kc, "(int)(sizeof colour_names / sizeof colour_names[0])") == "3"
    # A later, unrelated cell is not read again under the macros as they stand.
    assert value(kc, "GREEN + 40") == "41"


def test_a_macro_redefined_affects_later_code_only(kernel):
    _, kc = kernel
    ok(kc, "#define SIZE 4\nint table_of_size[SIZE];")
    ok(kc, "#define SIZE 9\nint bigger[SIZE];")
    assert value(kc, "(int)(sizeof table_of_size / sizeof table_of_size[0])") == "4"
    assert value(kc, "(int)(sizeof bigger / sizeof bigger[0])") == "9"


def test_a_macro_defined_after_a_declaration_of_its_name(kernel):
    """In a C file `int count;` followed by `#define count 9` leaves the
    declaration alone; the prelude keeps that order."""
    _, kc = kernel
    ok(kc, "#define count_of_things 1\n#undef count_of_things")
    ok(kc, "int count_of_things = 2;")
    ok(kc, "#define count_of_things 9")
    assert value(kc, "count_of_things + 1") == "10"
    ok(kc, "#undef count_of_things")
    assert value(kc, "count_of_things") == "2"


def test_generated_types_globals_and_pairs(kernel):
    _, kc = kernel
    ok(kc, "#define DECLARE_VEC(T) typedef struct { T *data; size_t n; } vec_##T;\nDECLARE_VEC(int)\nDECLARE_VEC(double)")
    assert value(kc, "vec_int v = {0};\nvec_double w = {.n = 2};\nv.n + w.n") == "2"
    ok(kc, "#define GLOBAL(type, name, value) type name = value;\nGLOBAL(int, the_answer, 42)")
    assert value(kc, "the_answer") == "42"
    ok(kc, "#define PAIR(n) int n##_x; int n##_y;\nPAIR(pt)")
    assert value(kc, "pt_x = 3; pt_y = 4;\npt_x + pt_y") == "7"
    assert value(kc, "#define larger(a, b) ((a) > (b) ? (a) : (b))\nlarger(3, 4)") == "4"


def test_a_string_a_macro_expands_to_keeps_its_cell_loaded(kernel):
    """A statement cell is unloaded after it ran unless it keeps storage: a
    string literal from a macro counts as one written out."""
    _, kc = kernel
    ok(kc, "#define GREETING \"hello\"\nconst char *kept_greeting;")
    ok(kc, "kept_greeting = GREETING;")
    ok(kc, "int spacer_cell = 1;")
    assert value(kc, "kept_greeting") == '"hello"'


def test_macros_of_cflags(kernel):
    _, kc = kernel
    ok(kc, "%cflags '-DWRAPPED_AS(t)=t'\nWRAPPED_AS(int) wrapped_four(void) { return 4; }")
    assert value(kc, "wrapped_four()") == "4"


def test_a_macro_that_expands_to_statements_runs(kernel):
    _, kc = kernel
    ok(kc, "#define SWAP(a, b) do { int t_ = a; a = b; b = t_; } while (0)\nint sa = 1, sb = 2;")
    outputs = ok(kc, "SWAP(sa, sb);\nprintf(\"%d %d\\n\", sa, sb);")
    assert stdout_of(outputs) == "2 1\n"


def test_macros_that_define_globals(kernel):
    _, kc = kernel
    ok(kc, "#define COUNTER(name) static int name##_count = 0; int name##_next(void) { return ++name##_count; }\n"
           "COUNTER(jobs)")
    assert value(kc, "jobs_next() + jobs_next()") == "3"


def test_errors_point_at_the_users_line(kernel):
    _, kc = kernel
    ok(kc, "#define TWICE(x) (2 * (x))")
    content, outputs = run(kc, "int fine = TWICE(1);\nint broken = TWICE(undeclared_thing);")
    assert content["status"] == "error" and content["ename"] == "CompileError"
    error = next(m["content"] for m in outputs if m["msg_type"] == "error")
    assert any(":2:" in line and "undeclared_thing" in line for line in error["traceback"]), error
    assert value(kc, "TWICE(3)") == "6"


def test_completion_and_inspection_of_names_made_by_macros(kernel):
    _, kc = kernel
    ok(kc, "#define EXPORTED(type) type\n/** Halves a value. */\nEXPORTED(int) halve_it(int v);\n"
           "EXPORTED(int) halve_it(int v) { return v / 2; }\n"
           "#define MAKE_FLAG(n) int flag_##n(void) { return 1; }\nMAKE_FLAG(ready)")
    reply = shell_reply(kc, kc.complete("flag_re", 7))["content"]
    assert "flag_ready" in reply["matches"], reply
    reply = shell_reply(kc, kc.complete("int h = halv", 12))["content"]
    assert "halve_it" in reply["matches"], reply
    reply = shell_reply(kc, kc.inspect("halve_it(4)", 3))["content"]
    assert reply["found"] and "int halve_it(int v)" in reply["data"]["text/plain"], reply
    reply = shell_reply(kc, kc.is_complete("EXPORTED(int) f(void) {"))["content"]
    assert reply["status"] == "incomplete"


def test_late_binding_of_a_function_a_macro_defines(kernel):
    _, kc = kernel
    ok(kc, "#define BASE_IS(v) int base_value(void) { return v; }\nBASE_IS(1)")
    ok(kc, "int doubled_base(void) { return 2 * base_value(); }")
    assert value(kc, "doubled_base()") == "2"
    ok(kc, "BASE_IS(5)")
    assert value(kc, "doubled_base()") == "10"


def test_conditionals_with_macros(kernel):
    _, kc = kernel
    ok(kc, "#define FAST_PATH 1\n#define API_OF(type) type\n"
           "#if FAST_PATH\nAPI_OF(int) path_taken(void) { return 1; }\n#else\n"
           "API_OF(int) path_taken(void) { return 2; }\n#endif")
    assert value(kc, "path_taken()") == "1"


def test_a_runtime_name_defined_through_a_macro_is_the_users(kernel):
    _, kc = kernel
    ok(kc, "#define DEFINE_SCORE(name, v) int name(void) { return v; }\nDEFINE_SCORE(evaluate, 33)")
    assert value(kc, "evaluate()") == "33"


def test_a_failing_cell_with_macros_declares_nothing(kernel):
    _, kc = kernel
    content, _ = run(kc, "#define BROKEN_API(type) type\nBROKEN_API(int) never_there(void) { return missing_name; }")
    assert content["status"] == "error"
    content, _ = run(kc, "never_there()")
    assert content["status"] == "error"
    assert value(kc, "3 * 3") == "9"


def pasted(path):
    return pathlib.Path(path).read_text()


@pytest.mark.skipif(not pathlib.Path("/usr/include/zlib.h").exists(), reason="zlib.h is not installed (zlib1g-dev)")
def test_zlib_header_pasted_into_a_cell(kernel):
    """zlib.h's ZEXTERN expands to extern: the prelude must not add another,
    and every later cell keeps working."""
    _, kc = kernel
    ok(kc, pasted("/usr/include/zlib.h"))
    assert value(kc, "1 + 1") == "2"
    ok(kc, "int after_zlib = 3;")
    assert value(kc, "after_zlib * 2") == "6"
    outputs = ok(kc, "%lib z\n"
                     "unsigned char packed[256], unpacked[64];\n"
                     "const char *message = \"hello hello hello hello hello\";\n"
                     "uLongf packed_size = sizeof packed, unpacked_size = sizeof unpacked;\n"
                     "int rc = compress(packed, &packed_size, (const Bytef *)message, strlen(message) + 1);\n"
                     "int rc2 = uncompress(unpacked, &unpacked_size, packed, packed_size);\n"
                     "printf(\"%d %d %s %s\\n\", rc, rc2, (char *)unpacked, zlibVersion());")
    words = stdout_of(outputs).split()
    assert words[:2] == ["0", "0"] and words[2] == "hello", words
    assert value(kc, "deflateBound(NULL, 100) > 100") == "1"


@pytest.fixture
def fresh():
    km, kc = start_kernel()
    yield kc
    stop_kernel(km, kc)


def needs_header(path):
    return pytest.mark.skipif(not pathlib.Path(path).exists(), reason=f"{path} is not installed")


@needs_header("/usr/include/zlib.h")
def test_zconf_and_zlib_pasted_deflate_and_inflate(fresh):
    kc = fresh
    ok(kc, pasted("/usr/include/zconf.h"))
    ok(kc, pasted("/usr/include/zlib.h"))
    ok(kc, "%lib z\n"
           "int round_trip(const char *text, char *back, size_t room) {\n"
           "    unsigned char packed[512];\n"
           "    z_stream d = {0};\n"
           "    if (deflateInit(&d, Z_BEST_COMPRESSION) != Z_OK) return -1;\n"
           "    d.next_in = (Bytef *)text; d.avail_in = (uInt)strlen(text) + 1;\n"
           "    d.next_out = packed; d.avail_out = sizeof packed;\n"
           "    if (deflate(&d, Z_FINISH) != Z_STREAM_END) return -2;\n"
           "    uLong packed_size = d.total_out;\n"
           "    deflateEnd(&d);\n"
           "    z_stream i = {0};\n"
           "    if (inflateInit(&i) != Z_OK) return -3;\n"
           "    i.next_in = packed; i.avail_in = (uInt)packed_size;\n"
           "    i.next_out = (Bytef *)back; i.avail_out = (uInt)room;\n"
           "    int rc = inflate(&i, Z_FINISH);\n"
           "    inflateEnd(&i);\n"
           "    return rc == Z_STREAM_END ? (int)packed_size : -4;\n"
           "}")
    outputs = ok(kc, "char back[128];\nint packed = round_trip(\"abcabcabcabcabcabcabcabcabcabc\", back, sizeof back);\n"
                     "printf(\"%s %d\\n\", back, packed > 0 && packed < 30);")
    assert stdout_of(outputs) == "abcabcabcabcabcabcabcabcabcabc 1\n"


@needs_header("/usr/include/sqlite3.h")
def test_sqlite3_header_pasted_table_and_query(fresh):
    kc = fresh
    ok(kc, pasted("/usr/include/sqlite3.h"))
    assert value(kc, "2 * 21") == "42"
    ok(kc, "%lib sqlite3\n"
           "sqlite3 *db;\n"
           "int opened = sqlite3_open(\":memory:\", &db);\n"
           "char *failure = NULL;\n"
           "int made = sqlite3_exec(db, \"create table t(n integer); insert into t values (4), (5), (6);\", NULL, NULL, &failure);")
    assert value(kc, "opened == SQLITE_OK && made == SQLITE_OK") == "1"
    outputs = ok(kc, "sqlite3_stmt *query;\n"
                     "sqlite3_prepare_v2(db, \"select sum(n) from t\", -1, &query, NULL);\n"
                     "if (sqlite3_step(query) == SQLITE_ROW) printf(\"%d\\n\", sqlite3_column_int(query, 0));\n"
                     "sqlite3_finalize(query);\nsqlite3_close(db);")
    assert stdout_of(outputs) == "15\n"


@needs_header("/usr/include/jansson.h")
def test_jansson_header_pasted_build_and_dump(fresh):
    kc = fresh
    ok(kc, pasted("/usr/include/jansson.h"))
    ok(kc, "%lib jansson\n"
           "json_t *object = json_object();\n"
           "json_object_set_new(object, \"n\", json_integer(3));\n"
           "json_object_set_new(object, \"name\", json_string(\"cnb\"));")
    outputs = ok(kc, "char *dumped = json_dumps(object, JSON_SORT_KEYS | JSON_COMPACT);\n"
                     "printf(\"%s\\n\", dumped);\nfree(dumped);\njson_decref(object);")
    assert stdout_of(outputs) == '{"n":3,"name":"cnb"}\n'


@needs_header("/usr/include/cairo/cairo.h")
def test_cairo_header_pasted_draw_into_an_image(fresh):
    kc = fresh
    ok(kc, "%cflags -I/usr/include/cairo\n" + pasted("/usr/include/cairo/cairo.h"))
    ok(kc, "%lib cairo\n"
           "cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 8, 8);\n"
           "cairo_t *cr = cairo_create(surface);\n"
           "cairo_set_source_rgb(cr, 1.0, 0.0, 0.0);\n"
           "cairo_paint(cr);\n"
           "cairo_surface_flush(surface);")
    outputs = ok(kc, "unsigned char *pixels = cairo_image_surface_get_data(surface);\n"
                     "printf(\"%d %d %08x\\n\", cairo_image_surface_get_width(surface), "
                     "cairo_status(cr) == CAIRO_STATUS_SUCCESS, *(unsigned int *)pixels);\n"
                     "cairo_destroy(cr);\ncairo_surface_destroy(surface);")
    assert stdout_of(outputs) == "8 1 ffff0000\n"


# A small library in the style of cJSON and friends: a configuration block,
# an export macro around the return type, an X-macro table of kinds, and
# accessors generated by a macro.  Header, source, demo and the call of
# its main() in four cells, as a user pastes them.
LIBRARY_HEADER = r"""
#ifndef TINY_H
#define TINY_H
#ifdef __cplusplus
extern "C" {
#endif
#if defined(_WIN32) && defined(TINY_BUILD_DLL)
#define TINY_PUBLIC(type) __declspec(dllexport) type __stdcall
#elif defined(__GNUC__)
#define TINY_PUBLIC(type) __attribute__((visibility("default"))) type
#else
#define TINY_PUBLIC(type) type
#endif
#define TINY_VERSION_MAJOR 1
#define TINY_VERSION_MINOR 4
#define TINY_KINDS(X) X(Null, "null") X(Number, "number") X(Text, "text")
#define TINY_ENUM(name, label) tiny_##name,
typedef enum tiny_kind { TINY_KINDS(TINY_ENUM) tiny_kind_count } tiny_kind;
#undef TINY_ENUM
typedef struct tiny_item {
    tiny_kind kind;
    double number;
    char *text;
    struct tiny_item *next;
} tiny_item;
#define TINY_ACCESSOR(field, type) TINY_PUBLIC(type) tiny_get_##field(const tiny_item *item);
TINY_ACCESSOR(number, double)
TINY_ACCESSOR(text, const char *)
TINY_PUBLIC(tiny_item *) tiny_number(double value);
TINY_PUBLIC(tiny_item *) tiny_text(const char *value);
TINY_PUBLIC(const char *) tiny_kind_name(tiny_kind kind);
TINY_PUBLIC(char *) tiny_print(const tiny_item *item);
TINY_PUBLIC(void) tiny_delete(tiny_item *item);
#ifdef __cplusplus
}
#endif
#endif
"""

LIBRARY_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define TINY_LABEL(name, label) label,
static const char *const tiny_labels[] = { TINY_KINDS(TINY_LABEL) };
#undef TINY_LABEL
static tiny_item *tiny_new(tiny_kind kind)
{
    tiny_item *item = calloc(1, sizeof *item);
    if (item)
        item->kind = kind;
    return item;
}
TINY_PUBLIC(tiny_item *) tiny_number(double value)
{
    tiny_item *item = tiny_new(tiny_Number);
    if (item)
        item->number = value;
    return item;
}
TINY_PUBLIC(tiny_item *) tiny_text(const char *value)
{
    tiny_item *item = tiny_new(tiny_Text);
    if (item)
        item->text = strdup(value);
    return item;
}
#define TINY_ACCESSOR_BODY(field, type) \
    TINY_PUBLIC(type) tiny_get_##field(const tiny_item *item) { return item->field; }
TINY_ACCESSOR_BODY(number, double)
TINY_ACCESSOR_BODY(text, const char *)
TINY_PUBLIC(const char *) tiny_kind_name(tiny_kind kind)
{
    return kind < tiny_kind_count ? tiny_labels[kind] : "?";
}
TINY_PUBLIC(char *) tiny_print(const tiny_item *item)
{
    char buffer[64];
    if (item->kind == tiny_Number)
        snprintf(buffer, sizeof buffer, "%g", item->number);
    else if (item->kind == tiny_Text)
        snprintf(buffer, sizeof buffer, "\"%s\"", item->text);
    else
        snprintf(buffer, sizeof buffer, "null");
    return strdup(buffer);
}
TINY_PUBLIC(void) tiny_delete(tiny_item *item)
{
    if (item)
        free(item->text);
    free(item);
}
"""

LIBRARY_DEMO = r"""
#define TINY_LABEL(name, label) #name,
static const char *const kind_names[] = { TINY_KINDS(TINY_LABEL) };
int main(void)
{
    tiny_item *n = tiny_number(2.5), *t = tiny_text("hi");
    char *a = tiny_print(n), *b = tiny_print(t);
    printf("v%d.%d %s %s %s %s %s\n", TINY_VERSION_MAJOR, TINY_VERSION_MINOR, a, b,
           tiny_kind_name(t->kind), kind_names[n->kind], tiny_get_text(t));
    free(a);
    free(b);
    tiny_delete(n);
    tiny_delete(t);
    return 0;
}
"""


def test_a_library_header_source_and_demo_in_four_cells(fresh):
    kc = fresh
    ok(kc, LIBRARY_HEADER)
    ok(kc, LIBRARY_SOURCE)
    ok(kc, LIBRARY_DEMO)
    outputs = ok(kc, "main();")
    assert stdout_of(outputs) == 'v1.4 2.5 "hi" text Number hi\n'
    assert value(kc, "tiny_get_number(tiny_number(7))") == "7.0"
    assert value(kc, "tiny_kind_count") == "3"
