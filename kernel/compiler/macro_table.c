// SPDX-License-Identifier: BSD-3-Clause
/* The user's macros in force (see macro_table.h): a directive's text parsed
 * into name, parameters and body; a redefinition replaces, #undef removes. */
#include "macro_table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void macro_table_init(MacroTable *table)
{
    memset(table, 0, sizeof *table);
}

static void macro_free(Macro *macro)
{
    free(macro->name);
    for (size_t i = 0; i < macro->param_count; i++)
        free(macro->params[i]);
    free(macro->params);
    free(macro->body);
    memset(macro, 0, sizeof *macro);
}

void macro_table_free(MacroTable *table)
{
    for (size_t i = 0; i < table->count; i++)
        macro_free(&table->macros[i]);
    free(table->macros);
    macro_table_init(table);
}

static bool ident_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The directive's text with continuations joined and comments turned into
 * one blank (as translation phases 2 and 3 do); strings kept as they are. */
static char *logical_line(const char *text, size_t length)
{
    char *out = malloc(length + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    char quote = 0;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (c == '\\' && i + 1 < length && text[i + 1] == '\n') {
            i++;
            continue;
        }
        if (quote) {
            out[n++] = c;
            if (c == '\\' && i + 1 < length)
                out[n++] = text[++i];
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '/' && i + 1 < length && text[i + 1] == '*') {
            const char *end = strstr(text + i + 2, "*/");
            i = end && (size_t)(end - text) < length ? (size_t)(end - text) + 1 : length;
            out[n++] = ' ';
            continue;
        } else if (c == '/' && i + 1 < length && text[i + 1] == '/') {
            break;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
        p++;
    return p;
}

static char *copy_trimmed(const char *start, const char *end)
{
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    char *out = malloc((size_t)(end - start) + 1);
    if (out) {
        memcpy(out, start, (size_t)(end - start));
        out[end - start] = '\0';
    }
    return out;
}

static Macro *find_mutable(MacroTable *table, const char *text, size_t length)
{
    for (size_t i = 0; i < table->count; i++)
        if (strlen(table->macros[i].name) == length && memcmp(table->macros[i].name, text, length) == 0)
            return &table->macros[i];
    return NULL;
}

const Macro *macro_table_find(const MacroTable *table, const char *text, size_t length)
{
    return find_mutable((MacroTable *)table, text, length);
}

static void remove_macro(MacroTable *table, const char *name, size_t length)
{
    Macro *macro = find_mutable(table, name, length);
    if (!macro)
        return;
    macro_free(macro);
    size_t index = (size_t)(macro - table->macros);
    memmove(macro, macro + 1, (table->count - index - 1) * sizeof *macro);
    table->count--;
}

static int add_param(Macro *macro, const char *start, size_t length)
{
    char **params = realloc(macro->params, (macro->param_count + 1) * sizeof *params);
    if (!params)
        return -1;
    macro->params = params;
    char *name = malloc(length + 1);
    if (!name)
        return -1;
    memcpy(name, start, length);
    name[length] = '\0';
    macro->params[macro->param_count++] = name;
    return 0;
}

/* Parses "(a, b, ...)" after a function-like macro's name; p is on '('.
 * Returns the position after ')', or NULL when malformed (errno untouched:
 * *oom says out of memory). */
static const char *parse_params(Macro *macro, const char *p, bool *oom)
{
    p = skip_blanks(p + 1);
    if (*p == ')')
        return p + 1;
    for (;;) {
        p = skip_blanks(p);
        if (strncmp(p, "...", 3) == 0) {
            macro->variadic = true;
            if (add_param(macro, "__VA_ARGS__", 11) != 0)
                return *oom = true, NULL;
            p = skip_blanks(p + 3);
            return *p == ')' ? p + 1 : NULL;
        }
        if (!ident_start(*p))
            return NULL;
        const char *start = p;
        while (ident_char(*p))
            p++;
        if (add_param(macro, start, (size_t)(p - start)) != 0)
            return *oom = true, NULL;
        p = skip_blanks(p);
        if (strncmp(p, "...", 3) == 0) {     /* GNU named variadic: `args...` */
            macro->variadic = true;
            p = skip_blanks(p + 3);
            return *p == ')' ? p + 1 : NULL;
        }
        if (*p == ')')
            return p + 1;
        if (*p != ',')
            return NULL;
        p++;
    }
}

static int define(MacroTable *table, const char *p)
{
    if (!ident_start(*p))
        return 0;
    const char *name = p;
    while (ident_char(*p))
        p++;
    Macro macro = {0};
    macro.name = copy_trimmed(name, p);
    if (!macro.name)
        return -1;
    if (*p == '(') {
        bool oom = false;
        macro.function_like = true;
        p = parse_params(&macro, p, &oom);
        if (!p) {
            macro_free(&macro);
            return oom ? -1 : 0;
        }
    }
    macro.body = copy_trimmed(p, p + strlen(p));
    if (!macro.body) {
        macro_free(&macro);
        return -1;
    }
    remove_macro(table, macro.name, strlen(macro.name));
    if (table->count == table->capacity) {
        size_t capacity = table->capacity ? 2 * table->capacity : 16;
        Macro *macros = realloc(table->macros, capacity * sizeof *macros);
        if (!macros) {
            macro_free(&macro);
            return -1;
        }
        table->macros = macros;
        table->capacity = capacity;
    }
    table->macros[table->count++] = macro;
    return 1;
}

int macro_table_apply(MacroTable *table, const char *directive, size_t length)
{
    char *line = logical_line(directive, length);
    if (!line)
        return -1;
    const char *p = skip_blanks(line);
    int result = 0;
    if (*p == '#') {
        p = skip_blanks(p + 1);
        if (strncmp(p, "define", 6) == 0 && !ident_char(p[6])) {
            result = define(table, skip_blanks(p + 6));
        } else if (strncmp(p, "undef", 5) == 0 && !ident_char(p[5])) {
            p = skip_blanks(p + 5);
            const char *name = p;
            while (ident_char(*p))
                p++;
            if (p > name) {
                remove_macro(table, name, (size_t)(p - name));
                result = 1;
            }
        }
    }
    free(line);
    return result;
}

int macro_table_apply_lines(MacroTable *table, const char *lines)
{
    for (const char *line = lines; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (macro_table_apply(table, line, n) < 0)
            return -1;
        line = end ? end + 1 : NULL;
    }
    return 0;
}

static int apply_flag(MacroTable *table, bool define, const char *what)
{
    const char *eq = strchr(what, '=');
    size_t name = eq ? (size_t)(eq - what) : strlen(what);
    char *line = malloc(strlen(what) + 16);
    if (!line)
        return -1;
    if (!define)
        sprintf(line, "#undef %s", what);
    else
        sprintf(line, "#define %.*s %s", (int)name, what, eq ? eq + 1 : "1");
    int rc = macro_table_apply(table, line, strlen(line));
    free(line);
    return rc < 0 ? -1 : 0;
}

int macro_table_apply_flags(MacroTable *table, char *const *flags, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *flag = flags[i];
        if (flag[0] != '-' || (flag[1] != 'D' && flag[1] != 'U'))
            continue;
        const char *what = flag[2] ? flag + 2 : i + 1 < count ? flags[++i] : "";
        if (*what && apply_flag(table, flag[1] == 'D', what) != 0)
            return -1;
    }
    return 0;
}

int macro_table_copy(MacroTable *to, const MacroTable *from)
{
    macro_table_init(to);
    for (size_t i = 0; i < from->count; i++) {
        const Macro *m = &from->macros[i];
        /* Rebuilding through define() would re-parse; copying is plainer. */
        Macro copy = {0};
        copy.function_like = m->function_like;
        copy.variadic = m->variadic;
        copy.name = copy_trimmed(m->name, m->name + strlen(m->name));
        copy.body = copy_trimmed(m->body, m->body + strlen(m->body));
        bool failed = !copy.name || !copy.body;
        for (size_t j = 0; j < m->param_count && !failed; j++)
            failed = add_param(&copy, m->params[j], strlen(m->params[j])) != 0;
        if (!failed && to->count == to->capacity) {
            size_t capacity = to->capacity ? 2 * to->capacity : 16;
            Macro *macros = realloc(to->macros, capacity * sizeof *macros);
            if (macros) {
                to->macros = macros;
                to->capacity = capacity;
            }
            failed = !macros;
        }
        if (failed) {
            macro_free(&copy);
            macro_table_free(to);
            return -1;
        }
        to->macros[to->count++] = copy;
    }
    return 0;
}
