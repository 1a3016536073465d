// SPDX-License-Identifier: BSD-3-Clause
/* complete_request: libclang's code completion at the cursor, in a document
 * made of the prelude (the runtime API and every earlier cell's globals,
 * functions and types) and the cell.  After '.' or '->' clang offers the
 * struct's members. */
#include "interpreter/interpreter.h"
#include "clang_context.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MATCHES 500

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Generated names that are no business of the user. */
static bool hidden_name(const char *name, const char *prefix)
{
    if (prefix[0] != '_' && name[0] == '_')
        return true;
    return strncmp(name, "cnb_cell_", 9) == 0 || strncmp(name, "cnb_timeit_", 11) == 0 ||
           strncmp(name, "cnb_complete_here", 17) == 0 || strncmp(name, "cnb_init_", 9) == 0;
}

typedef struct Match {
    char *text;
    unsigned priority;
} Match;

static int by_priority(const void *a, const void *b)
{
    const Match *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return strcmp(x->text, y->text);
}

static json_t *collect(CXCodeCompleteResults *results, const char *prefix)
{
    size_t count = 0;
    Match *matches = calloc(results ? results->NumResults + 1 : 1, sizeof *matches);
    size_t prefix_length = strlen(prefix);
    for (unsigned i = 0; matches && results && i < results->NumResults; i++) {
        CXCompletionString completion = results->Results[i].CompletionString;
        if (clang_getCompletionAvailability(completion) == CXAvailability_NotAvailable)
            continue;
        for (unsigned c = 0; c < clang_getNumCompletionChunks(completion); c++) {
            if (clang_getCompletionChunkKind(completion, c) != CXCompletionChunk_TypedText)
                continue;
            CXString chunk = clang_getCompletionChunkText(completion, c);
            const char *text = clang_getCString(chunk);
            if (text && strncmp(text, prefix, prefix_length) == 0 && !hidden_name(text, prefix))
                matches[count++] = (Match){strdup(text), clang_getCompletionPriority(completion)};
            clang_disposeString(chunk);
            break;
        }
    }
    if (matches)
        qsort(matches, count, sizeof *matches, by_priority);
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = matches[j].text && matches[i].text && strcmp(matches[j].text, matches[i].text) == 0;
        if (!seen && matches[i].text && json_array_size(list) < MAX_MATCHES)
            json_array_append_new(list, json_string(matches[i].text));
    }
    for (size_t i = 0; i < count; i++)
        free(matches[i].text);
    free(matches);
    return list;
}

/* `%ti` at the start of a line completes to a magic's name. */
static json_t *complete_magic(const char *code, size_t start, size_t cursor)
{
    static const char *const magics[] = {"cflags", "ldflags", "lib", "timeit", "who", "reset", "rollback", NULL};
    size_t line = start;
    while (line > 0 && code[line - 1] != '\n')
        line--;
    size_t p = line;
    while (p < start && (code[p] == ' ' || code[p] == '\t'))
        p++;
    if (p + 1 != start || code[p] != '%')
        return NULL;
    json_t *matches = json_array();
    for (const char *const *magic = magics; *magic; magic++)
        if (strncmp(*magic, code + start, cursor - start) == 0)
            json_array_append_new(matches, json_string(*magic));
    return matches;
}

json_t *interpreter_complete(Interpreter *interp, const char *code, int cursor_pos)
{
    if (!code)
        code = "";
    size_t length = strlen(code);
    size_t cursor = cursor_pos < 0 ? length : utf8_offset_of(code, (size_t)cursor_pos);
    size_t start = cursor;
    while (start > 0 && is_word_char(code[start - 1]))
        start--;
    char *prefix = strndup(code + start, cursor - start);
    json_t *matches = complete_magic(code, start, cursor);
    ClangContext *context = interp && !matches ? assistants_clang(interp) : NULL;
    ClangDocument doc;
    /* Complete at the start of the word, so that clang offers everything
     * the prefix could become; we filter by the prefix. */
    if (prefix && context && clang_document_build(interp, code, start, &doc) == 0) {
        CXTranslationUnit unit = clang_context_acquire(context, &doc);
        if (unit) {
            struct CXUnsavedFile file = {CLANG_DOCUMENT_NAME, doc.text, (unsigned long)doc.size};
            CXCodeCompleteResults *results = clang_codeCompleteAt(
                unit, CLANG_DOCUMENT_NAME, doc.line, doc.column, &file, 1,
                clang_defaultCodeCompleteOptions());
            matches = collect(results, prefix);
            if (results)
                clang_disposeCodeCompleteResults(results);
        }
        clang_context_release(context);
        clang_document_free(&doc);
    }
    json_t *reply = json_pack("{s:o, s:i, s:i, s:{}}", "matches", matches ? matches : json_array(),
                              "cursor_start", (int)utf8_characters_in(code, start),
                              "cursor_end", (int)utf8_characters_in(code, cursor), "metadata");
    free(prefix);
    return reply;
}
