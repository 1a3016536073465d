// SPDX-License-Identifier: BSD-3-Clause
/* The runtime's names for cells; see runtime_names.h. */
#include "runtime_names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct RuntimeName {
    const char *name;
    RuntimeNameKind kind;
} RuntimeName;

static const RuntimeName names[] = {
#include "runtime_names.inc"
};
enum { NAME_COUNT = sizeof names / sizeof *names };

static int by_name(const void *key, const void *item)
{
    return strcmp(key, ((const RuntimeName *)item)->name);
}

RuntimeNameKind runtime_name_kind(const char *name)
{
    const RuntimeName *found = name ? bsearch(name, names, NAME_COUNT, sizeof *names, by_name) : NULL;
    return found ? found->kind : RUNTIME_NONE;
}

bool runtime_name_taken(const char *name)
{
    return runtime_name_kind(name) != RUNTIME_NONE;
}

/* "struct Model" declares the tag Model. */
static const char *key_name(const char *key)
{
    static const char *const tags[] = {"struct ", "union ", "enum "};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (strncmp(key, tags[i], strlen(tags[i])) == 0)
            return key + strlen(tags[i]);
    return key;
}

char *runtime_names_undefs(char *const *keys, size_t count)
{
    char *text = NULL;
    for (size_t i = 0; i < count; i++) {
        const char *name = keys[i] ? key_name(keys[i]) : NULL;
        if (!name || !runtime_name_taken(name))
            continue;
        char *more = NULL;
        if (asprintf(&more, "%s#undef %s\n", text ? text : "", name) < 0) {
            free(text);
            return NULL;
        }
        free(text);
        text = more;
    }
    return text;
}

static bool renamed(RuntimeNameKind kind)
{
    return kind != RUNTIME_NONE && kind != RUNTIME_MACRO;
}

char *runtime_names_prelude(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    fputs("/* The runtime's names, prefixed so that a cell may declare its own. */\n", out);
    for (size_t i = 0; i < NAME_COUNT; i++) {
        const RuntimeName *n = &names[i];
        if (!renamed(n->kind))
            continue;
        /* The pragma comes first: its arguments are macro-expanded. */
        if (n->kind == RUNTIME_FUNCTION || n->kind == RUNTIME_VARIABLE)
            fprintf(out, "#pragma redefine_extname cnb_%s %s\n", n->name, n->name);
        fprintf(out, "#define %s cnb_%s\n", n->name, n->name);
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static bool is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

char *runtime_names_unprefix(const char *text)
{
    if (!text)
        return NULL;
    char *out = malloc(strlen(text) + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = text; *p;) {
        if (strncmp(p, "cnb_", 4) == 0 && (p == text || !is_word(p[-1]))) {
            const char *end = p + 4;
            while (is_word(*end))
                end++;
            char word[128];
            size_t n = (size_t)(end - p - 4);
            if (n < sizeof word) {
                memcpy(word, p + 4, n);
                word[n] = '\0';
                if (renamed(runtime_name_kind(word))) {
                    memcpy(out + o, word, n);
                    o += n;
                    p = end;
                    continue;
                }
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
    return out;
}
