// SPDX-License-Identifier: BSD-3-Clause
/* Magic lines; see magics.h. */
#include "magics.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wordexp.h>

int string_list_add(StringList *list, const char *text)
{
    char **items = realloc(list->items, (list->count + 2) * sizeof *items);
    if (!items)
        return -1;
    list->items = items;
    if (!(items[list->count] = strdup(text)))
        return -1;
    items[++list->count] = NULL;
    return 0;
}

int string_list_extend(StringList *list, const StringList *more)
{
    for (size_t i = 0; i < more->count; i++)
        if (string_list_add(list, more->items[i]) != 0)
            return -1;
    return 0;
}

void string_list_free(StringList *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    *list = (StringList){0};
}

/* Shell-like words (quotes, $VARIABLES), never running commands. */
static int split_words(const char *text, StringList *into, char **error)
{
    wordexp_t words;
    int rc = wordexp(text, &words, WRDE_NOCMD);
    if (rc != 0) {
        if (asprintf(error, "cannot read the flags `%s` (unbalanced quotes or a command "
                            "substitution?)", text) < 0)
            *error = NULL;
        return 0;
    }
    for (size_t i = 0; i < words.we_wordc; i++)
        if (string_list_add(into, words.we_wordv[i]) != 0) {
            wordfree(&words);
            return -1;
        }
    wordfree(&words);
    return 0;
}

/* gcc runs in the kernel's work directory: relative paths in -I, -L and
 * friends are made absolute against the notebook's directory. */
static int absolutize(StringList *flags, size_t from)
{
    static const char *const path_flags[] = {"-I", "-L", "-iquote", "-isystem", "-idirafter", NULL};
    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return 0;
    for (size_t i = from; i < flags->count; i++) {
        for (const char *const *flag = path_flags; *flag; flag++) {
            size_t n = strlen(*flag);
            if (strncmp(flags->items[i], *flag, n) != 0)
                continue;
            bool separate = flags->items[i][n] == '\0';
            if (separate && i + 1 >= flags->count)
                break;
            char **slot = separate ? &flags->items[i + 1] : &flags->items[i];
            const char *path = separate ? *slot : *slot + n;
            if (path[0] == '/' || path[0] == '\0')
                break;
            char *absolute = NULL;
            if (asprintf(&absolute, "%s%s/%s", separate ? "" : *flag, cwd, path) < 0) {
                free(cwd);
                return -1;
            }
            free(*slot);
            *slot = absolute;
            break;
        }
    }
    free(cwd);
    return 0;
}

static int add_timeit(CellMagics *magics, const char *code, int line)
{
    CellTimeit *timeits = realloc(magics->timeits, (magics->timeit_count + 1) * sizeof *timeits);
    if (!timeits)
        return -1;
    magics->timeits = timeits;
    char *copy = strdup(code);
    if (!copy)
        return -1;
    timeits[magics->timeit_count++] = (CellTimeit){copy, line};
    return 0;
}

static int apply(CellMagics *magics, const char *name, const char *args, int line)
{
    if (strcmp(name, "cflags") == 0 || strcmp(name, "ldflags") == 0) {
        if (!*args) {
            magics->show_flags = true;
            return 0;
        }
        StringList *flags = name[0] == 'c' ? &magics->cflags : &magics->ldflags;
        size_t from = flags->count;
        if (split_words(args, flags, &magics->error) != 0)
            return -1;
        return absolutize(flags, from);
    }
    if (strcmp(name, "lib") == 0) {
        StringList names = {0};
        if (split_words(args, &names, &magics->error) != 0)
            return -1;
        if (names.count == 0 && !magics->error &&
            asprintf(&magics->error, "%%lib needs a library name, e.g. %%lib m") < 0)
            magics->error = NULL;
        for (size_t i = 0; i < names.count; i++) {
            char *flag = NULL;
            if (asprintf(&flag, "-l%s", names.items[i]) < 0 || string_list_add(&magics->ldflags, flag) != 0) {
                free(flag);
                string_list_free(&names);
                return -1;
            }
            free(flag);
        }
        string_list_free(&names);
        return 0;
    }
    if (strcmp(name, "timeit") == 0) {
        if (!*args) {
            if (asprintf(&magics->error, "%%timeit needs a statement or expression, e.g. "
                                         "%%timeit f(10)") < 0)
                magics->error = NULL;
            return 0;
        }
        return add_timeit(magics, args, line);
    }
    if (strcmp(name, "who") == 0) {
        magics->who = true;
        return 0;
    }
    if (strcmp(name, "reset") == 0) {
        magics->reset = true;
        return 0;
    }
    if (strcmp(name, "rollback") == 0) {
        magics->rollback = !*args ? ROLLBACK_SHOW : strcmp(args, "on") == 0 ? ROLLBACK_ON
                           : strcmp(args, "off") == 0 ? ROLLBACK_OFF : ROLLBACK_UNCHANGED;
        if (magics->rollback == ROLLBACK_UNCHANGED &&
            asprintf(&magics->error, "%%rollback takes on or off, not %s", args) < 0)
            magics->error = NULL;
        return 0;
    }
    if (asprintf(&magics->error, "unknown magic %%%s (cnb knows %%cflags, %%ldflags, %%lib, "
                                 "%%timeit, %%who, %%reset and %%rollback)", name) < 0)
        magics->error = NULL;
    return 0;
}

/* %%timeit: times the whole rest of the cell (which then does not run
 * otherwise). */
static int cell_magic(CellMagics *magics, const char *name, size_t length, char *end, int line)
{
    if (!(length >= 6 && strncmp(name, "timeit", 6) == 0 &&
          (length == 6 || isspace((unsigned char)name[6])))) {
        if (asprintf(&magics->error, "unknown cell magic %%%%%.*s (cnb knows %%%%timeit)",
                     (int)strcspn(name, " \t\r\n"), name) < 0)
            magics->error = NULL;
        return 0;
    }
    if (!end || !end[1]) {
        if (asprintf(&magics->error, "%%%%timeit needs code on the lines below it") < 0)
            magics->error = NULL;
        return 0;
    }
    /* The body keeps its lines; the splitter sees blank lines instead. */
    char *body = NULL;
    if (asprintf(&body, "{\n%s\n};", end + 1) < 0)
        return -1;
    int rc = add_timeit(magics, body, line);
    free(body);
    for (char *p = end + 1; *p; p++)
        if (*p != '\n')
            *p = ' ';
    return rc;
}

int magics_parse(const char *code, CellMagics *magics)
{
    *magics = (CellMagics){0};
    if (!(magics->code = strdup(code)))
        return -1;
    char *p = magics->code;
    int line = 1;
    while (*p && !magics->error) {
        char *end = strchr(p, '\n');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        char *q = p;
        while (q < p + length && isspace((unsigned char)*q))
            q++;
        if (q + 1 < p + length && q[0] == '%' && q[1] == '%') {
            /* A cell magic: the rest of the cell is its body. */
            int rc = cell_magic(magics, q + 2, (size_t)(p + length - q - 2), end, line);
            if (rc != 0)
                return rc;
            memset(p, ' ', length);
            break;
        }
        if (q < p + length && *q == '%') {
            char *text = strndup(q + 1, (size_t)(p + length - q - 1));
            if (!text)
                return -1;
            char *args = text;
            while (*args && !isspace((unsigned char)*args))
                args++;
            if (*args)
                *args++ = '\0';
            while (isspace((unsigned char)*args))
                args++;
            size_t n = strlen(args);
            while (n > 0 && isspace((unsigned char)args[n - 1]))
                args[--n] = '\0';
            int rc = apply(magics, text, args, line);
            free(text);
            if (rc != 0)
                return -1;
            memset(p, ' ', length);
        } else if (q < p + length) {
            break;      /* magics only at the top */
        }
        if (!end)
            break;
        p = end + 1;
        line++;
    }
    return 0;
}

void magics_free(CellMagics *magics)
{
    free(magics->code);
    string_list_free(&magics->cflags);
    string_list_free(&magics->ldflags);
    for (size_t i = 0; i < magics->timeit_count; i++)
        free((char *)magics->timeits[i].code);
    free(magics->timeits);
    free(magics->error);
    *magics = (CellMagics){0};
}
