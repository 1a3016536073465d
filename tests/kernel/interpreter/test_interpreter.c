// SPDX-License-Identifier: BSD-3-Clause
/* Drives the interpreter directly: persistence, redefinition, compile
 * errors, results, streams, faults, interrupts, stdin, magics, displays,
 * completion and inspection.  This program is also its own worker: the
 * interpreter starts /proc/self/exe --worker, as cnb-kernel does. */
#include "tap.h"
#include "interpreter/interpreter.h"
#include "worker/worker_main.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Record {
    char out[65536], err[65536];
    size_t out_at_input;        /* stdout bytes seen when input was requested */
    int displays;
    json_t *last_display;
    int inputs;
    const char *answer;         /* what input() returns; NULL: refuse */
} Record;

static Record rec;

static void append(char *buffer, const char *text, size_t size)
{
    size_t used = strlen(buffer);
    if (used + size >= 65536)
        size = 65535 - used;
    memcpy(buffer + used, text, size);
    buffer[used + size] = '\0';
}

static void on_stream(void *context, const char *name, const char *text, size_t size)
{
    (void)context;
    append(strcmp(name, "stdout") == 0 ? rec.out : rec.err, text, size);
}

static void on_display(void *context, json_t *data, json_t *metadata, const char *id, bool update)
{
    (void)context;
    (void)metadata;
    (void)id;
    (void)update;
    rec.displays++;
    json_decref(rec.last_display);
    rec.last_display = json_deep_copy(data);
}

static void on_clear(void *context, bool wait)
{
    (void)context;
    (void)wait;
}

static char *on_input(void *context, const char *prompt, bool password)
{
    (void)context;
    (void)prompt;
    (void)password;
    rec.inputs++;
    rec.out_at_input = strlen(rec.out);
    return rec.answer ? strdup(rec.answer) : NULL;
}

static const ExecuteSink sink = {NULL, on_stream, on_display, on_clear, on_input};
static Interpreter *interp;
static ExecuteOutcome outcome;
static int count;

/* Runs a cell; returns the text/plain result or the ename. */
static const char *run_with(const char *code, bool allow_stdin)
{
    static char answer[4096];
    execute_outcome_clear(&outcome);
    rec.out[0] = rec.err[0] = '\0';
    rec.displays = 0;
    rec.inputs = 0;
    int rc = interpreter_execute(interp, code, ++count, false, allow_stdin, &sink, &outcome);
    if (rc != 0)
        return "(interpreter failed)";
    if (outcome.status == EXECUTE_ERROR) {
        snprintf(answer, sizeof answer, "%s", outcome.ename ? outcome.ename : "(no ename)");
        if (getenv("CNB_TEST_VERBOSE")) {
            size_t i;
            json_t *line;
            json_array_foreach(outcome.traceback, i, line) printf("# | %s\n", json_string_value(line));
        }
        return answer;
    }
    const char *text = json_string_value(json_object_get(outcome.result_data, "text/plain"));
    snprintf(answer, sizeof answer, "%s", text ? text : "(no result)");
    return answer;
}

static const char *run(const char *code)
{
    return run_with(code, true);
}

static bool traceback_has(const char *needle)
{
    size_t i;
    json_t *line;
    json_array_foreach(outcome.traceback, i, line) {
        const char *text = json_string_value(line);
        if (text && strstr(text, needle))
            return true;
    }
    return false;
}

static volatile int cell_returned;

/* Interrupts, and again every half second until the cell has returned (a
 * loaded machine may not have started the cell by the first time). */
static void *interrupt_later(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100 && !cell_returned; i++) {
        usleep(i == 0 ? 700 * 1000 : 500 * 1000);
        if (!cell_returned)
            interpreter_interrupt(interp);
    }
    return NULL;
}

static const char *run_interrupted(const char *code)
{
    pthread_t thread;
    cell_returned = 0;
    pthread_create(&thread, NULL, interrupt_later, NULL);
    const char *result = run(code);
    cell_returned = 1;
    pthread_join(thread, NULL);
    return result;
}

static bool matches_have(json_t *reply, const char *name)
{
    size_t i;
    json_t *match;
    json_array_foreach(json_object_get(reply, "matches"), i, match)
        if (strcmp(json_string_value(match), name) == 0)
            return true;
    return false;
}

static void test_state(void)
{
    is_str(run("int x = 41;"), "(no result)", "a declaration runs without a result");
    is_str(run("x + 1"), "42", "a later cell sees the variable; trailing expression is the result");
    is_str(run("int sq(int v) { return v * v; }\nsq(7)"), "49", "function defined and called");
    is_str(run("sq(8)"), "64", "function persists");
    is_str(run("int sq(int v) { return v + 1000; }"), "(no result)", "function redefined");
    is_str(run("sq(1)"), "1001", "later cells see the newest function");
    is_str(run("double x = 2.5;"), "(no result)", "variable redefined with another type");
    is_str(run("x * 2"), "5.0", "the new type is used");
    is_str(run("#include <ctype.h>\n#define N 5\ntypedef int Num;\nenum Color { RED, GREEN };"),
           "(no result)", "include, define, typedef, enum");
    is_str(run("Num n = N + GREEN;\nn"), "6", "they persist");
    is_str(run("toupper('a')"), "65", "the include persists");
    is_str(run("#define N 7\nN"), "7", "a macro redefined");
    is_str(run("int *arr = malloc(3 * sizeof *arr);\narr[1] = 9;\narr[1]"), "9",
           "non-constant initializer at top level");
    is_str(run("arr[1] + 1"), "10", "its value persists");
    is_str(run("const int k = sq(2) + 1;\nint table[] = {1, 2, 3};\nk"), "1003",
           "const with a non-constant initializer");
    is_str(run("sizeof table / sizeof *table"), "3", "an unsized array keeps its size");
    is_str(run("typedef struct { const char *name; int *v; int n; } Row;\n"
               "Row rows[] = {{\"a\", arr, 1}, {\"b\", arr + 1, 4}};\n"
               "sizeof rows / sizeof *rows * 100 + rows[1].n * 10 + rows[1].v[0]"), "249",
           "an unsized array of structs initialized from other globals");
    is_str(run("rows[0].v[1] + (int)(sizeof rows / sizeof *rows)"), "11", "it persists, with its size");
    run("Row flat[] = {\"c\", arr, 1, \"d\", arr, 2};");
    ok(outcome.status == EXECUTE_ERROR && traceback_has("the size of the array flat[]"),
       "brace elision that the count gets wrong is a compile error naming the array");
    is_str(run("static float huge[1 << 24] = {0};\nhuge[12345] = 2;\nhuge[12345]"), "2.0",
           "a 64 MiB array with a constant initializer (no copy through the stack)");
    is_str(run("struct P { int a, b; };\nstruct P p = {1, 2};\np.a + p.b"), "3", "struct and variable");
    is_str(run("p"), "(no result)", "a struct value has no result, and does not fail");
    is_str(run("struct P { int a, b, c; };"), "(no result)", "struct redefined");
    ok(strstr(rec.err, "p") && strstr(rec.err, "no longer visible"), "note on what the old struct hid: %.120s",
       rec.err);
    is_str(run("struct P q = {1, 2, 3};\nq.c"), "3", "the new struct is used");
    is_str(run("typedef struct { float x, y; } Vec2;\nVec2 origin = {0, 0};"), "(no result)", "a typedef");
    is_str(run("float length1(Vec2 v) { return v.x + v.y; }\nlength1((Vec2){1, 2})"), "3.0",
           "a function of another cell uses it");
    is_str(run("typedef struct { float x, y; } Vec2;\nVec2 origin = {0, 0};"), "(no result)",
           "the typedef's cell runs again");
    ok(!strstr(rec.err, "no longer visible"), "an unchanged type hides nothing");
    is_str(run("length1(origin)"), "0.0", "the other cell's function still works with it");
    is_str(run("\"hi\""), "\"hi\"", "string result");
    is_str(run("3.25"), "3.25", "double result");
    is_str(run("static int counter;\nvoid bump(void) { counter++; }\nbump(); bump();\ncounter"), "2",
           "static globals and void functions");
    is_str(run("bump();\ncounter"), "3", "they persist");
    is_str(run("/* a comment only */"), "(no result)", "a comment-only cell");
}

/* A function defined again is what every earlier function calls from then
 * on; a pointer taken earlier keeps its definition; a new type makes a new
 * function and the cell says so. */
static void test_late_binding(void)
{
    is_str(run("int base(void) { return 1; }"), "(no result)", "base defined");
    is_str(run("int twice(void) { return 2 * base(); }\ntwice()"), "2", "twice calls base");
    is_str(run("int base(void) { return 5; }"), "(no result)", "base defined again");
    is_str(run("twice()"), "10", "twice, compiled earlier, calls the new base");
    is_str(run("int (*taken)(void) = base;"), "(no result)", "a pointer to base taken");
    is_str(run("int base(void) { return 7; }\ntwice()"), "14",
           "defined a third time: the cell's own statements already call the new base");
    is_str(run("taken()"), "5", "the pointer taken earlier keeps the definition it was taken from");
    is_str(run("int twice_ptr(void) { int (*p)(void) = base; return 2 * p(); }\ntwice_ptr()"), "14",
           "a pointer taken after the redefinition gets the newest one");
    is_str(run("int base(void) { return 8; }\ntwice_ptr()"), "16",
           "code that takes the address later gets the newest one too");
    is_str(run("int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }\nfact(4)"), "24", "recursion");
    is_str(run("int use_fact(void) { return fact(3); }"), "(no result)", "a caller of fact");
    is_str(run("int fact(int k) { return k <= 1 ? 100 : k * fact(k - 1); }\nuse_fact()"), "600",
           "parameter names do not change the type: rebound");
    ok(!strstr(rec.err, "new type"), "no note when the type is the same: %.120s", rec.err);
    is_str(run("double base(void) { return 1.5; }"), "(no result)", "base defined with another type");
    ok(strstr(rec.err, "base is a new function of another type") && strstr(rec.err, "twice (In[") &&
       strstr(rec.err, "twice_ptr (In[") && strstr(rec.err, "still call the old base (int (void))"),
       "the cell names the functions that keep calling the old one: %.120s", rec.err);
    is_str(run("twice()"), "16", "earlier code keeps calling the old base (no wrong-ABI call)");
    is_str(run("base()"), "1.5", "later cells call the new one");
    is_str(run("double base(void) { return 2.5; }\nbase()"), "2.5", "the new type defined again");
    is_str(run("twice()"), "16", "the chain of the new type does not reach the old callers");
    is_str(run("typedef struct { int v; } Box;\nint unbox(Box b) { return b.v; }"), "(no result)",
           "a function of a typedef");
    is_str(run("int call_unbox(void) { return unbox((Box){3}); }\ncall_unbox()"), "3", "its caller");
    is_str(run("typedef struct { int w, v; } Box;\nint unbox(Box b) { return b.v + 1; }"), "(no result)",
           "both redefined in one cell: the old callers are not rebound to a different layout");
    is_str(run("unbox((Box){1, 2})"), "3", "the new one works");
}

/* A global declared again with its type is the same object; with another
 * type a new one, and the cell names the functions still using the old. */
static void test_globals_declared_again(void)
{
    is_str(run("int tally = 5;\nint *tally_at = &tally;"), "(no result)", "a global and a pointer to it");
    is_str(run("void add_one(void) { tally++; }\nint read_tally(void) { return tally; }"), "(no result)",
           "functions that use it");
    is_str(run("int tally = 100;\nadd_one();\nread_tally()"), "101",
           "declared again with the same type: the same object, with its new initial value");
    is_str(run("*tally_at"), "101", "a pointer taken earlier sees the same object");
    is_str(run("int tally;\nread_tally()"), "0", "declared again without initializer: zero");
    ok(!strstr(rec.err, "note"), "no note for the same type: %.120s", rec.err);
    is_str(run("struct Pair { int a, b; };\nstruct Pair pair = {1, 2};\nint pair_sum(void) { return pair.a + pair.b; }"),
           "(no result)", "a struct global");
    is_str(run("struct Pair pair = {30, 40};\npair_sum()"), "70", "a struct declared again: same object");
    is_str(run("static float big[1 << 20] = {1};\nfloat big_first(void) { return big[0]; }"), "(no result)",
           "a 4 MiB array");
    is_str(run("static float big[1 << 20] = {2};\nbig_first()"), "2.0",
           "declared again with a constant initializer: copied in place");
    is_str(run("double tally = 2.5;"), "(no result)", "declared again with another type");
    ok(strstr(rec.err, "tally is a new variable of another type") && strstr(rec.err, "add_one (In[") &&
       strstr(rec.err, "read_tally (In[") && strstr(rec.err, "the old tally (int)"),
       "the note names the functions that still use the old one: %.120s", rec.err);
    is_str(run("read_tally()"), "0", "they read the old int, not the double's bytes");
    is_str(run("tally * 2"), "5.0", "later cells use the new one");
    is_str(run("const int limit = 5;"), "(no result)", "a const");
    is_str(run("int get_limit(void) { return limit; }"), "(no result)", "a function of another cell uses it");
    is_str(run("const int limit = 6;\nlimit + get_limit()"), "11", "a const declared again is a new object");
    ok(strstr(rec.err, "limit is a new variable (a const") && strstr(rec.err, "get_limit (In["),
       "and the cell says which function keeps the old one: %.200s", rec.err);
}


static void test_errors(void)
{
    is_str(run("int fine = 1;\nint broken = ;"), "CompileError", "compile error");
    ok(traceback_has("In[") && traceback_has(":2:"), "diagnostics name the cell and line 2");
    is_str(run("fine"), "CompileError", "a cell that failed to compile declared nothing");
    is_str(run("x"), "2.5", "and left earlier state as it was");
    is_str(run("int fine2 = 1; int other = fine2 + nope;"), "CompileError", "error in an initializer");
    ok(traceback_has(":1:36: error"), "its column is the user's column");
    ok(!traceback_has("cnb_cell_") && !traceback_has("cnb_pch"), "generated names are not shown");
    is_str(run("undefined_function(3);"), "CompileError", "undeclared function is a compile error");
    is_str(run("int declared_only(void);\nint linked = 4;\ndeclared_only()"), "LinkError",
           "a declared but undefined function fails to load");
    ok(outcome.evalue && strstr(outcome.evalue, "declared_only"), "naming the symbol");
    is_str(run("linked"), "CompileError", "a cell that failed to load declared nothing");
}

static void test_streams(void)
{
    run("printf(\"hello\\n\"); fprintf(stderr, \"oops\\n\"); puts(\"Gr\xC3\xBC\xC3\x9F\x65 \xE2\x9C\x93\");");
    is_str(rec.out, "hello\nGr\xC3\xBC\xC3\x9F\x65 \xE2\x9C\x93\n", "stdout streamed, UTF-8 intact");
    is_str(rec.err, "oops\n", "stderr streamed");
    rec.answer = "typed";
    run("printf(\"before\\n\"); char line[32]; fgets(line, sizeof line, stdin); printf(\"after %s\", line);");
    ok(rec.out_at_input == strlen("before\n"), "output printed before an input request arrives first");
    is_str(rec.out, "before\nafter typed\n", "fgets reads the frontend's answer");
    rec.answer = "21";
    is_str(run("int got = 0;\nscanf(\"%d\", &got);\ngot * 2"), "42", "scanf asks for input");
    is_int(rec.inputs, 1, "one input request");
    rec.answer = "raw bytes";
    is_str(run("#include <unistd.h>\nchar raw[64] = {0};\nssize_t got_raw = read(0, raw, sizeof raw - 1);\n"
               "printf(\"[%s]\", raw);\ngot_raw"), "10", "read(0, ...) asks for input too");
    is_str(rec.out, "[raw bytes\n]", "and gets the line with its newline");
    is_int(rec.inputs, 1, "one input request for read()");
    is_str(run_with("getchar()", false), "-1", "without allow_stdin getchar sees end of file");
    ok(strstr(rec.err, "allow_stdin") != NULL, "and says why: %.120s", rec.err);
    is_int(rec.inputs, 0, "no input request was made");
}

static void test_faults(void)
{
    is_str(run("int *nowhere = NULL;\n*nowhere = 1;"), "SIGSEGV", "segfault reported");
    ok(traceback_has("NULL pointer"), "it says NULL pointer");
    ok(traceback_has("In[") && traceback_has("line 2"), "and where (cell line 2)");
    is_str(run("x"), "2.5", "earlier variables survive a segfault");
    is_str(run("volatile int zero = 0;\nprintf(\"%d\\n\", 100 / zero);"), "SIGFPE", "division by zero reported");
    ok(traceback_has("division by zero"), "it says division by zero");
    is_str(run("int down(int n) { volatile char pad[256]; pad[0] = (char)n; return down(n + 1) + pad[0]; }\n"
               "down(0);"), "StackOverflow", "stack overflow reported");
    ok(traceback_has("in function down"), "in the recursive function");
    is_str(run("sq(2)"), "1002", "functions survive a stack overflow");
    is_str(run("abort();"), "SIGABRT", "abort reported");
    is_str(run("printf(\"bye\\n\");\nexit(3);"), "SystemExit", "exit() reported");
    ok(traceback_has("exit(3)"), "with its status");
    is_str(rec.out, "bye\n", "output before exit() arrives");
    is_str(run("x"), "2.5", "earlier variables survive abort and exit");
    is_str(run("#include <signal.h>\nsignal(SIGSEGV, SIG_DFL);\nsigset_t block;\nsigemptyset(&block);\n"
               "sigaddset(&block, SIGUSR1);\nsigprocmask(SIG_BLOCK, &block, NULL);"), "(no result)",
           "a cell resets the fault handler and blocks SIGUSR1");
    is_str(run("int *again = NULL;\n*again = 2;"), "SIGSEGV", "the next fault is still caught");
    is_str(run("#include <sys/wait.h>\n#include <unistd.h>\npid_t child = fork();\n"
               "if (child == 0) { printf(\"child\\n\"); exit(0); }\nwaitpid(child, NULL, 0);\n"
               "printf(\"parent\\n\");"), "(no result)", "a cell may fork; the child's exit ends only the child");
    is_str(rec.out, "child\nparent\n", "both wrote to the cell's output");
    is_str(run("x"), "2.5", "the worker carries on");
}

static void test_interrupt(void)
{
    is_str(run_interrupted("while (1);"), "KeyboardInterrupt", "a tight loop is interrupted");
    is_str(run_interrupted("while (1) cnb_check_interrupt();"), "KeyboardInterrupt",
           "a runtime loop stops at check_interrupt");
    is_str(run_interrupted("#include <unistd.h>\nwhile (1) { void *p = malloc(64); free(p); getpid(); }"),
           "KeyboardInterrupt", "a loop that lives in libc is interrupted");
    is_str(run("char *after = malloc(16);\nafter != NULL"), "1", "and malloc still works afterwards");
    is_str(run("x"), "2.5", "state survives interrupts");
    is_str(run("#include <signal.h>\n#include <unistd.h>\nkill(getpid(), SIGKILL);"), "WorkerDied",
           "a killed worker is reported");
    ok(traceback_has("the state is back to the end of cell"), "and that its snapshot took over");
    is_str(run("x"), "2.5", "with the state of the cell before");
    is_str(run("int fresh = 5;\nfresh"), "5", "a fresh worker runs cells");
}

static void test_magics(void)
{
    run("%timeit fresh * 2");
    ok(strstr(rec.out, "per loop (mean") != NULL, "%%timeit report: %.120s", rec.out);
    run("void pause_a_little(void) { }\n");
    run("%timeit pause_a_little()");
    ok(strstr(rec.out, "per loop (mean") != NULL, "%%timeit of a void call: %.120s", rec.out);
    run("%%timeit\nint acc = 0;\nfor (int i = 0; i < 10; i++) acc += i;\nprintf(\"\");");
    ok(strstr(rec.out, "per loop (mean") != NULL, "%%%%timeit times the whole cell: %.120s", rec.out);
    is_str(run("%%frobnicate\nint z;"), "UsageError", "unknown cell magic");
    run("%who");
    ok(strstr(rec.out, "fresh") && strstr(rec.out, "int"), "%%who lists globals with types: %.120s", rec.out);
    is_str(run("%lib m\n%cflags -DMAGIC=7\nMAGIC + (int)floor(2.5)"), "9", "%%lib and %%cflags");
    is_str(run("MAGIC"), "7", "flags persist");
    is_str(run("%nonsense"), "UsageError", "unknown magic");
}

static void test_display(void)
{
    run("CnbBundle *b = bundle_new();\nbundle_add_text(b, \"text/html\", \"<b>hi</b>\");\n"
        "bundle_add(b, \"image/png\", \"\\x89PNG\", 4);\ncnb_publish(CNB_PUBLISH_DISPLAY, b, NULL);\n"
        "bundle_free(b);");
    is_int(rec.displays, 1, "display data reaches the sink");
    is_str(json_string_value(json_object_get(rec.last_display, "text/html")), "<b>hi</b>", "html");
    is_str(json_string_value(json_object_get(rec.last_display, "image/png")), "iVBORw==",
           "binary data base64-encoded");
}

static void test_local_header_and_reset(void)
{
    FILE *header = fopen("cnb_test_local.h", "w");
    fputs("#define LOCAL_ANSWER 42\n", header);
    fclose(header);
    is_str(run("#include \"cnb_test_local.h\"\nLOCAL_ANSWER"), "42",
           "#include \"...\" finds headers in the notebook's directory");
    remove("cnb_test_local.h");
    is_str(run("LOCAL_ANSWER"), "CompileError", "a vanished header breaks later cells");
    is_str(run("%reset"), "(no result)", "%%reset");
    is_str(run("fresh"), "CompileError", "%%reset forgets all state");
    is_str(run("int again = 1;\nagain"), "1", "cells run after %%reset");
}

static void test_introspection(void)
{
    run("/** Squares with a twist. */\nint twist(int v) { return v * v + 1; }\n"
        "struct Pair { int left, right; };\nstruct Pair pair;");
    json_t *reply = interpreter_complete(interp, "twi", 3);
    ok(matches_have(reply, "twist"), "completes the user's functions");
    is_int(json_integer_value(json_object_get(reply, "cursor_start")), 0, "cursor_start");
    json_decref(reply);
    reply = interpreter_complete(interp, "pair.", 5);
    ok(matches_have(reply, "left") && matches_have(reply, "right"), "completes struct members after .");
    json_decref(reply);
    reply = interpreter_complete(interp, "int y = 1;\ntensor_n", 19);
    ok(matches_have(reply, "tensor_new"), "completes the runtime API");
    json_decref(reply);
    reply = interpreter_complete(interp, "%ti", 3);
    ok(matches_have(reply, "timeit") && json_array_size(json_object_get(reply, "matches")) == 1,
       "completes magic names");
    json_decref(reply);
    reply = interpreter_inspect(interp, "twist(2)", 3, 0);
    const char *text = json_string_value(json_object_get(json_object_get(reply, "data"), "text/plain"));
    ok(json_is_true(json_object_get(reply, "found")) && text && strstr(text, "int twist(int v)") &&
       strstr(text, "Squares with a twist.") && !strstr(text, "/**"),
       "inspect shows declaration and doc: %.120s", text ? text : "");
    json_decref(reply);
    reply = interpreter_inspect(interp, "tensor_new", 10, 0);
    ok(json_is_true(json_object_get(reply, "found")), "inspect finds runtime functions");
    json_decref(reply);
}

/* gcc -Wall by default; %cflags -w silences it; _FORTIFY_SOURCE catches
 * an overflowing strcpy at run time. */
static void test_compiler_teaches(void)
{
    is_str(run("int sign_of(int v)\n{\n    if (v > 0)\n        return 1;\n}\nint shown = 3;\nshown"), "3",
           "a cell with a warning still runs");
    ok(strstr(rec.err, "warning: control reaches end of non-void function") != NULL,
       "a missing return is shown: %.200s", rec.err);
    ok(strstr(rec.err, ":5:1:") != NULL, "at the cell's own line 5");
    run("printf(\"%d\\n\", 2.5);");
    ok(strstr(rec.err, "-Wformat") && strstr(rec.err, ":1:"), "a wrong printf format is shown: %.200s", rec.err);
    ok(!strstr(rec.err, "cnb_cell_") && !strstr(rec.err, "cnb_pch"), "with no generated names");
    is_str(run("int quiet_total = 0;\nfor (int i = 0; i < 3; i++) quiet_total += i;\nquiet_total"), "3",
           "clean code gets no warning");
    is_str(rec.err, "", "and nothing on stderr");
    is_str(run("char small[4];\nconst char *word = getenv(\"CNB_NO_SUCH_VARIABLE\") ? \"x\" : \"far too long\";\n"
               "strcpy(small, word);\nprintf(\"not reached\\n\");"), "BufferOverflow",
           "an overflowing strcpy is caught at run time");
    ok(traceback_has("In[") && traceback_has("line 3"), "at the cell's line 3");
    ok(strstr(rec.out, "not reached") == NULL, "the cell stopped there");
    is_str(run("shown"), "3", "earlier variables survive it");
    run("%cflags -w\nint sign_again(int v) { if (v > 0) return 1; }\nprintf(\"%d\\n\", 2.5);");
    is_str(rec.err, "", "%%cflags -w silences the warnings");
    is_str(run("undeclared_helper_function(2)"), "CompileError", "an undeclared function stays an error under -w");
}

/* #if around top-level code: the preprocessor decides, with the macros of
 * earlier cells and the flags. */
static void test_conditionals(void)
{
    run("#if 0\nprintf(\"hidden\\n\");\nint never_defined(void) { return 1; }\n#endif\nprintf(\"shown\\n\");");
    is_str(rec.out, "shown\n", "#if 0 leaves out statements and functions");
    is_str(run("never_defined()"), "CompileError", "the function under #if 0 was never declared");
    run("#define CNB_TEST_VERBOSE_MODE 1");
    is_str(run("#ifdef CNB_TEST_VERBOSE_MODE\nint chosen_mode = 1;\n#else\nint chosen_mode = 2;\n#endif\nchosen_mode"),
           "1", "#ifdef sees a macro an earlier cell defined");
    is_str(run("#ifndef CNB_TEST_VERBOSE_MODE\nint other_mode = 1;\n#elif CNB_TEST_VERBOSE_MODE > 0\n"
               "int other_mode = 2;\n#else\nint other_mode = 3;\n#endif\nother_mode"), "2", "#elif");
    is_str(run("%cflags -DCNB_TEST_LEVEL=3\n#if CNB_TEST_LEVEL > 2\nint level_seen = CNB_TEST_LEVEL;\n#endif\nlevel_seen"),
           "3", "#if sees %%cflags -D");
    is_str(run("int branchy(int v)\n{\n#if 1\n    return v + 1;\n#else\n    return v - 1;\n#endif\n}\nbranchy(1)"),
           "2", "a conditional inside a function");
    is_str(run("#if 1\nint cond_broken = ;\n#endif"), "CompileError", "an error under #if");
    ok(traceback_has(":2:"), "keeps its line number");
    is_str(run("#if 1\n#error taken on purpose\n#endif"), "CompileError", "an #error that is taken stops the cell");
    ok(traceback_has("taken on purpose"), "with its message");
}

/* Declarations whose type is a user typedef, in the same cell or earlier. */
static void test_function_pointers_with_typedefs(void)
{
    run("typedef int count_t;\ntypedef count_t (*step_fn)(count_t);");
    is_str(run("count_t next_of(count_t v) { return v + 1; }\ncount_t (*stepper)(count_t) = next_of;\nstepper(4)"),
           "5", "a function pointer spelled with a typedef of an earlier cell");
    is_str(run("step_fn steps[2] = {next_of, next_of};\nsteps[1](5)"), "6", "an array of typedef'd function pointers");
    is_str(run("typedef float real_t;\nreal_t (*scale_fn)(real_t) = NULL;\nscale_fn == NULL"), "1",
           "a typedef and a function pointer using it in one cell");
    is_str(run("count_t (*pick_step(int which))(count_t) { (void)which; return next_of; }\npick_step(0)(7)"), "8",
           "a function returning a function pointer");
    is_str(run("stepper(10)"), "11", "the pointer persists");
}

/* The generated source of the newest cell that defines `marker` (cell
 * libraries that define something keep their source), or NULL. */
static char *source_defining(const char *dir, const char *marker)
{
    char *found = NULL;
    for (int cell = 1; cell < 2000 && !found; cell++) {
        char path[512];
        snprintf(path, sizeof path, "%s/cell_%d.c", dir, cell);
        FILE *file = fopen(path, "r");
        if (!file)
            continue;
        char *text = NULL;
        size_t size = 0;
        if (getdelim(&text, &size, '\0', file) > 0 && strstr(text, marker))
            found = text;
        else
            free(text);
        fclose(file);
    }
    return found;
}

/* Whether the cell that defines `marker` compiled with a prelude of only
 * what it names (no fall back to the whole prelude, which has
 * far_away_value). */
static bool compiled_filtered(const char *dir, const char *marker)
{
    char *source = source_defining(dir, marker);
    bool filtered = source && !strstr(source, "far_away_value");
    free(source);
    return filtered;
}

/* A cell's prelude carries what it names and what that names in turn
 * (prelude_filter.h); a name it cannot see falls back to all of it. */
static void test_prelude_names_only_what_is_used(const char *dir)
{
    run("int far_away_value = 11;");
    run("int filter_probe = 5;");
    ok(compiled_filtered(dir, "filter_probe __asm__"), "a cell's prelude leaves out what it does not name");
    is_str(run("far_away_value + filter_probe"), "16", "and has what it names");
    run("#define LATE_TOTAL (late_a + late_b)");
    run("int late_a = 2;\nint late_b = 3;");
    is_str(run("int late_sum = LATE_TOTAL;\nlate_sum"), "5", "a macro brings the variables declared after it");
    ok(compiled_filtered(dir, "late_sum __asm__"), "without the whole prelude");
    run("typedef struct Inner { int v; } Inner;\ntypedef struct { Inner in; } Outer;");
    run("Outer make_outer(void) { Outer o = {{4}}; return o; }");
    is_str(run("int outer_v = make_outer().in.v;\nouter_v"), "4",
           "a function brings its typedef, and that its struct");
    ok(compiled_filtered(dir, "outer_v __asm__"), "without the whole prelude");
    run("enum Level { LOW_LEVEL = 3 };");
    is_str(run("int level_v = LOW_LEVEL;\nlevel_v"), "3", "an enum constant brings its enum");
    ok(compiled_filtered(dir, "level_v __asm__"), "without the whole prelude");
    run("#define SLOT(n) slot_##n\nint slot_7 = 70;");
    is_str(run("SLOT(7)"), "70", "a name pasted by ## compiles (with the whole prelude)");
    run("int long_name_value = 1;");
    is_str(run("long_name_valeu + 1"), "CompileError", "a misspelt name");
    ok(traceback_has("long_name_value"), "gets gcc's hint from all names (did you mean)");
}

/* A failing runtime call ends the cell at that call, as an exception. */
static void test_runtime_errors(void)
{
    run("int reached = 0;");
    is_str(run("Dataset *missing = mnist(\"/nonexistent-cnb-data\", .train = true);\nreached = 1;"),
           "DatasetError", "a missing dataset ends the cell");
    ok(outcome.evalue && strstr(outcome.evalue, "mnist") && strstr(outcome.evalue, "not found"),
       "evalue is the runtime's message: %.160s", outcome.evalue ? outcome.evalue : "");
    ok(traceback_has("In[") && traceback_has("line 1"), "the traceback has the cell line of the call");
    ok(!traceback_has("caught this"), "and no words about catching a crash");
    ok(strstr(rec.err, "cnb: ") == NULL, "the message is not printed a second time: %.120s", rec.err);
    is_str(run("reached"), "0", "no later statement of the cell ran");
    is_str(run("dataloader(NULL, .batch_size = 4);\nreached = 2;"), "ValueError", "dataloader(NULL, ...)");
    is_str(run("int unused_here = 0;\ndataloader(NULL, .batch_size = 4);"), "ValueError",
           "a failing call as the cell's last statement");
    ok(traceback_has("line 2"), "still has its line (no tail call out of the cell)");
    run("Tensor *forward_of(Model *m, Tensor *x) { return model_forward(m, x); }");
    is_str(run("forward_of(NULL, NULL);\nreached = 6;"), "ValueError", "a function that tail-calls the runtime");
    ok(traceback_has("line 1"), "is located at the cell line that called it");
    is_str(run("Model *net = sequential(flatten(), linear(784, 10));\nTensor *wrong = tensor(2, 5);\n"
               "Tensor *out = model_forward(net, wrong);\nreached = 3;"), "ShapeError", "a shape mismatch");
    ok(traceback_has("line 3"), "at line 3");
    ok(outcome.evalue && strstr(outcome.evalue, "model_forward"), "naming model_forward");
    is_str(run("Tensor *right = tensor(2, 784);\nmodel_forward(net, right) != NULL"), "1",
           "the model from the failed cell's earlier line works");
    run("int load_twice(void)\n{\n    DataLoader *none = dataloader(NULL, .batch_size = 2);\n"
        "    reached = 4;\n    return none != NULL;\n}");
    is_str(run("load_twice();\nreached = 5;"), "ValueError", "an error inside a cell's function");
    ok(traceback_has("line 3") && traceback_has("in function load_twice"), "located in that function");
    is_str(run("reached"), "0", "neither the function nor the cell went on");
    is_str(run("Tensor *fine = tensor(3);\ntensor_fill(fine, 2.0f);\n(double)tensor_sum(fine)"), "6.0",
           "the runtime works after errors");
}

/* Names cnb.h declares are the user's to take; the runtime's stay
 * reachable with the cnb_ prefix. */
static void test_every_name_is_the_users(void)
{
    is_str(run("float evaluate = 1.5f;\nevaluate"), "1.5", "a variable named like the runtime's evaluate()");
    ok(!strstr(rec.err, "conflicting") && !strstr(rec.err, "redeclared"), "without a word about conflicts");
    is_str(run("int doubled_evaluate(void) { return (int)(evaluate * 2); }\ndoubled_evaluate()"), "3",
           "later cells see the user's evaluate");
    is_str(run("typedef int flatten;\nflatten kept_flat = 4;\nkept_flat"), "4", "a typedef named flatten");
    is_str(run("int tensor(int a) { return a + 100; }\ntensor(1)"), "101", "a function named like the tensor() macro");
    is_str(run("typedef struct Model { int layers; } Model;\nModel mine = {3};\nmine.layers"), "3",
           "the user's own Model type");
    is_str(run("cnb_Model *net_prefixed = sequential(cnb_flatten(), linear(784, 10));\n"
               "Tensor *batch_in = tensor_new((int[]){2, 784}, 2);\n"
               "tensor_dim(model_forward(net_prefixed, batch_in), 1)"), "10",
           "the runtime's versions work under their cnb_ names");
    run("Tensor *not_a_tensor = 3;");
    ok(strstr(rec.err, "'Tensor *'") || strstr(rec.err, "\xE2\x80\x98Tensor *\xE2\x80\x99"),
       "diagnostics say Tensor, not cnb_Tensor: %.160s", rec.err);
    ok(!strstr(rec.err, "cnb_Tensor"), "no prefixed name in them");
    is_str(run("int normalize(int v) { return v / 2; }\nnormalize(8)"), "4", "a function named normalize");
    is_str(run("dataloader(NULL, .batch_size = 2);"), "ValueError", "the runtime still reports its errors");
}

static const char *page_text(void)
{
    json_t *page = json_array_get(outcome.payload, 0);
    const char *source = json_string_value(json_object_get(page, "source"));
    if (!source || strcmp(source, "page") != 0)
        return "";
    const char *text = json_string_value(json_object_get(json_object_get(page, "data"), "text/plain"));
    return text ? text : "";
}

/* `name?` lines as IPython's obj?: a pager payload, the rest of the cell runs. */
static void test_help_lines(void)
{
    run("manual_seed?");
    ok(outcome.status == EXECUTE_OK && json_array_size(outcome.payload) == 1, "name? gives one payload");
    ok(strstr(page_text(), "manual_seed(") != NULL, "with the declaration: %.160s", page_text());
    run("/** Doubles its argument. */\nint doubled(int v) { return 2 * v; }\n??doubled\nint after_help = doubled(4);");
    ok(strstr(page_text(), "int doubled(int v)") && strstr(page_text(), "Doubles its argument"),
       "??name finds a function the same cell defines, with its doc comment: %.160s", page_text());
    is_str(run("after_help"), "8", "the rest of that cell ran");
    ok(outcome.payload == NULL, "a cell without help has no payload");
    run("no_such_thing_anywhere?");
    ok(outcome.payload == NULL && strstr(rec.err, "nothing named no_such_thing_anywhere"),
       "an unknown name says so: %.120s", rec.err);
    is_str(run("int pick = 1;\nint chosen = pick\n?\n3 : 4;\nchosen"), "3",
           "a ternary split over lines is not a help request");
    is_str(run("int flag_two = 0,\nflag_two?\n"), "CompileError", "nor a name after an open declaration");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--worker") == 0)
        return worker_main(argc, argv);
    alarm(300);     /* never hang the suite */
    char dir[] = "/tmp/cnb-cells-test-XXXXXX", notebook[] = "/tmp/cnb-cells-notebook-XXXXXX";
    if (!mkdtemp(dir) || !mkdtemp(notebook) || chdir(notebook) != 0) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }
    interp = interpreter_new(dir);
    assistants_attach(interp);
    ok(interp != NULL, "interpreter starts");
    if (!interp)
        return tap_done();
    test_state();
    test_late_binding();
    test_globals_declared_again();
    test_errors();
    test_streams();
    test_faults();
    test_interrupt();
    test_magics();
    test_display();
    test_introspection();
    test_compiler_teaches();
    test_help_lines();
    test_conditionals();
    test_function_pointers_with_typedefs();
    test_runtime_errors();
    test_every_name_is_the_users();
    test_prelude_names_only_what_is_used(dir);
    test_local_header_and_reset();
    execute_outcome_clear(&outcome);
    json_decref(rec.last_display);
    interpreter_free(interp);
    ok(access(dir, F_OK) != 0, "interpreter_free removes the work directory");
    if (chdir("/") == 0)
        rmdir(notebook);
    return tap_done();
}
