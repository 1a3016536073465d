// SPDX-License-Identifier: BSD-3-Clause
/* Cell source generation; see cell_source.h. */
#include "cell_source.h"
#include "runtime_names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Text {
    char *data;
    size_t size, capacity;
    bool failed;
} Text;

static void add(Text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add(Text *t, const char *format, ...)
{
    if (t->failed)
        return;
    va_list args;
    va_start(args, format);
    char *piece = NULL;
    int n = vasprintf(&piece, format, args);
    va_end(args);
    if (n < 0) {
        t->failed = true;
        return;
    }
    if (t->size + (size_t)n + 1 > t->capacity) {
        size_t capacity = (t->capacity + (size_t)n + 1) * 2;
        char *data = realloc(t->data, capacity);
        if (!data) {
            free(piece);
            t->failed = true;
            return;
        }
        t->data = data;
        t->capacity = capacity;
    }
    memcpy(t->data + t->size, piece, (size_t)n + 1);
    t->size += (size_t)n;
    free(piece);
}

char *cell_symbol(int cell, const char *name)
{
    char *symbol = NULL;
    return asprintf(&symbol, "cnb_c%d_%s", cell, name) < 0 ? NULL : symbol;
}

char *cell_function_name(int cell)
{
    char *name = NULL;
    return asprintf(&name, "cnb_cell_%d", cell) < 0 ? NULL : name;
}

static bool defines_function(const CellPlan *plan, const char *name)
{
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind == ITEM_FUNCTION && strcmp(plan->items[i].name, name) == 0)
            return true;
    return false;
}

static void line(Text *t, const CellSourceSpec *spec, int number)
{
    add(t, "\n#line %d \"%s\"\n", number, spec->origin);
}

/* For a function defined again: whether it kept the earlier version's
 * type, as the compiler sees it (parameter names do not count). */
static void same_type_check(Text *t, const CellSourceSpec *spec, const CellItem *item)
{
    const Rebind *rebind = spec->rebinds ? late_binding_find(spec->rebinds, item->name) : NULL;
    char *check = rebind ? late_binding_check_symbol(spec->cell, item->name) : NULL;
    if (check)
        add(t, "\n#line 1 \"" CELL_FUNCTION_FILE "\"\nextern const int %s; const int %s = "
               "__builtin_types_compatible_p(__typeof__(%s), __typeof__(%s));\n",
            check, check, rebind->old_type, item->name);
    free(check);
}

/* The symbol of the object a variable declared again stays, or NULL. */
static const char *same_object(const CellSourceSpec *spec, const CellItem *item)
{
    const Rebind *rebind = spec->rebinds ? late_binding_find(spec->rebinds, item->name) : NULL;
    return rebind ? rebind->same_object : NULL;
}

/* A declaration of a name cnb.h also declares: the user's wins. */
static void take_runtime_names(Text *t, const CellItem *item)
{
    char *name = item->name;
    char *undefs = item->key_count > 0 ? runtime_names_undefs(item->keys, item->key_count)
                                       : runtime_names_undefs(&name, name ? 1 : 0);
    if (undefs)
        add(t, "\n%s", undefs);
    free(undefs);
}

static void file_scope_item(Text *t, const CellSourceSpec *spec, const CellItem *item)
{
    if (item->unchanged)
        return;     /* the prelude has it already */
    if (item->kind != ITEM_DEFINE)
        take_runtime_names(t, item);
    char *symbol = item->name ? cell_symbol(spec->cell, item->name) : NULL;
    switch (item->kind) {
    case ITEM_DEFINE:
        /* A macro defined again replaces the old one without a warning. */
        line(t, spec, item->line);
        if (item->name && *item->name && strstr(item->text, "define"))
            add(t, "#undef %s\n", item->name);
        add(t, "%s\n", item->text);
        break;
    case ITEM_INCLUDE:
    case ITEM_DIRECTIVE:
        line(t, spec, item->line);
        add(t, "%s\n", item->text);
        break;
    case ITEM_TYPE:
    case ITEM_FILE_SCOPE:
    case ITEM_EXTERN:
        line(t, spec, item->line);
        add(t, "%s%s\n", item->lead, cell_item_code(item));
        break;
    case ITEM_PROTOTYPE:
        line(t, spec, item->line);
        if (defines_function(spec->plan, item->name))
            add(t, "%s %s __asm__(\"%s\");\n", item->specifiers, item->declarator, symbol);
        else
            add(t, "%s\n", item->text);
        break;
    case ITEM_VARIABLE:
        line(t, spec, item->line);
        if (same_object(spec, item))
            add(t, "extern %s %s __asm__(\"%s\");\n", item->specifiers, item->extern_declarator,
                same_object(spec, item));
        else if (item->static_init) {
            /* The initializer on its own line and column, as the user wrote it. */
            add(t, "%s __asm__(\"%s\") =", item->definition, symbol);
            line(t, spec, item->init_line);
            add(t, "%s%s;\n", item->init_lead ? item->init_lead : "", cell_item_initializer(item));
        }
        else
            add(t, "%s __asm__(\"%s\");\n", item->definition, symbol);
        break;
    case ITEM_FUNCTION:
        line(t, spec, item->line);
        add(t, "%s %s __asm__(\"%s\");", item->specifiers, item->declarator, symbol);
        line(t, spec, item->line);
        add(t, "%s%s\n", item->lead, cell_item_code(item));
        same_type_check(t, spec, item);
        break;
    case ITEM_STATEMENT:
    case ITEM_EXPRESSION:
        break;
    }
    if (!symbol && item->name)
        t->failed = true;
    free(symbol);
}

static void body_item(Text *t, const CellSourceSpec *spec, const CellItem *item)
{
    switch (item->kind) {
    case ITEM_STATEMENT:
        line(t, spec, item->line);
        add(t, "%s%s\n", item->lead, cell_item_code(item));
        break;
    case ITEM_EXPRESSION:
        /* The expression keeps its line and column (no macro around it),
         * so diagnostics point into it as the user wrote it. */
        line(t, spec, item->line);
        if (spec->show_expression) {
            add(t, "{ __auto_type cnb_value_ = (");
            line(t, spec, item->line);
            add(t, "%s%s\n); cnb_show(cnb_value_); }\n", item->lead, cell_item_code(item));
        } else {
            add(t, "%s%s\n;\n", item->lead, cell_item_code(item));
        }
        break;
    case ITEM_VARIABLE:
        /* The same object declared again takes its new initial value: a
         * constant one from a static copy (no big array on the stack). */
        if (same_object(spec, item) && !item->initializer) {
            line(t, spec, item->line);
            add(t, "__builtin_memset((void *)&%s, 0, sizeof %s);\n", item->name, item->name);
        } else if (same_object(spec, item) && item->static_init) {
            line(t, spec, item->line);
            add(t, "{ static __typeof__(%s) " CELL_INIT_NAME " =", item->name);
            line(t, spec, item->init_line);
            add(t, "%s%s; __builtin_memcpy((void *)&%s, (const void *)&" CELL_INIT_NAME
                ", sizeof %s); }\n", item->init_lead ? item->init_lead : "", cell_item_initializer(item),
                item->name, item->name);
        }
        /* Evaluated at run time into a local of the declared type, then
         * copied: works for scalars, pointers, structs, arrays and const.
         * An unsized array's global was sized by counting its braces; the
         * assertion catches a count that brace elision made wrong. */
        if (item->initializer && !item->static_init) {
            line(t, spec, item->line);
            add(t, "{ %s =", item->init_head);
            line(t, spec, item->init_line);
            add(t, "%s%s; _Static_assert(sizeof %s == sizeof " CELL_INIT_NAME ", \"cnb: write "
                "the size of the array %s[], or braces around each element\"); "
                "__builtin_memcpy((void *)&%s, (const void *)&" CELL_INIT_NAME ", sizeof %s); }\n",
                item->init_lead ? item->init_lead : "", cell_item_initializer(item), item->name, item->name,
                item->name, item->name);
        }
        break;
    default:
        break;
    }
}

static bool ends_with_semicolon(const char *code)
{
    size_t n = strlen(code);
    while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t'))
        n--;
    return n > 0 && code[n - 1] == ';';
}

/* An expression's value is kept alive through an empty asm, so that -O2
 * cannot drop the work being timed (a statement is timed as written). */
static void timeit_body(Text *t, const CellSourceSpec *spec, size_t i)
{
    const CellTimeit *timeit = &spec->timeits[i];
    add(t, "\nstatic void cnb_timeit_%d_%zu(void)\n{", spec->cell, i);
    line(t, spec, timeit->line);
    if (spec->show_expression && !ends_with_semicolon(timeit->code))
        add(t, "__auto_type cnb_timed_ = (%s\n); __asm__ volatile(\"\" : : \"r\"(&cnb_timed_) : \"memory\");\n}\n",
            timeit->code);
    else
        add(t, "%s\n;\n}\n", timeit->code);
}

char *cell_source_generate(const CellSourceSpec *spec)
{
    Text t = {0};
    add(&t, "%s\n", spec->header);
    add(&t, "void cnb_timeit_run(void (*body)(void));\n");
    add(&t, "%s", spec->prelude ? spec->prelude : "");
    for (size_t i = 0; i < spec->plan->count; i++)
        file_scope_item(&t, spec, &spec->plan->items[i]);
    for (size_t i = 0; i < spec->timeit_count; i++)
        timeit_body(&t, spec, i);
    /* Notes about the cell function itself ("declared here" after a
     * `return 0;`) point at a file name that diagnostics.c drops. */
    add(&t, "\n#line 1 \"" CELL_FUNCTION_FILE "\"\nvoid cnb_cell_%d(void);\nvoid cnb_cell_%d(void)\n{\n",
        spec->cell, spec->cell);
    for (size_t i = 0; i < spec->timeit_count; i++)
        add(&t, "cnb_timeit_run(cnb_timeit_%d_%zu);\n", spec->cell, i);
    for (size_t i = 0; i < spec->plan->count; i++)
        body_item(&t, spec, &spec->plan->items[i]);
    /* No tail call out of the cell: a failing runtime call must return
     * into the cell (worker_errors.c), and its line must be on the stack. */
    add(&t, "__asm__ __volatile__(\"\");\n}\n");
    if (t.failed) {
        free(t.data);
        return NULL;
    }
    return t.data;
}
