// SPDX-License-Identifier: BSD-3-Clause
/* inspect_request: what the name under the cursor is (its declaration, as
 * C would write it) and the comment that documents it, found through
 * libclang in the same document completion uses. */
#include "interpreter/interpreter.h"
#include "clang_context.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static char *copy_string(CXString s)
{
    const char *text = clang_getCString(s);
    char *copy = strdup(text ? text : "");
    clang_disposeString(s);
    return copy;
}

/* The source text of the cursor's extent (macros, struct definitions). */
static char *extent_text(CXTranslationUnit unit, CXCursor cursor)
{
    CXSourceRange range = clang_getCursorExtent(cursor);
    CXFile file;
    unsigned start, end;
    clang_getSpellingLocation(clang_getRangeStart(range), &file, NULL, NULL, &start);
    clang_getSpellingLocation(clang_getRangeEnd(range), NULL, NULL, NULL, &end);
    size_t size = 0;
    const char *contents = file ? clang_getFileContents(unit, file, &size) : NULL;
    if (!contents || end < start || end > size)
        return NULL;
    return strndup(contents + start, end - start);
}

static char *function_signature(CXCursor cursor)
{
    char *result = copy_string(clang_getTypeSpelling(clang_getCursorResultType(cursor)));
    char *name = copy_string(clang_getCursorSpelling(cursor));
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out) {
        free(result);
        free(name);
        return NULL;
    }
    fprintf(out, "%s %s(", result, name);
    int count = clang_Cursor_getNumArguments(cursor);
    for (int i = 0; i < count; i++) {
        CXCursor arg = clang_Cursor_getArgument(cursor, (unsigned)i);
        char *type = copy_string(clang_getTypeSpelling(clang_getCursorType(arg)));
        char *arg_name = copy_string(clang_getCursorSpelling(arg));
        fprintf(out, "%s%s%s%s", i ? ", " : "", type, *arg_name ? " " : "", arg_name);
        free(type);
        free(arg_name);
    }
    if (clang_Cursor_isVariadic(cursor))
        fprintf(out, "%s...", count ? ", " : "");
    else if (count == 0)
        fprintf(out, "void");
    fprintf(out, ")");
    fclose(out);
    free(result);
    free(name);
    return text;
}

static char *declaration_text(CXTranslationUnit unit, CXCursor cursor)
{
    enum CXCursorKind kind = clang_getCursorKind(cursor);
    char *name = copy_string(clang_getCursorSpelling(cursor));
    char *type = copy_string(clang_getTypeSpelling(clang_getCursorType(cursor)));
    char *text = NULL;
    int rc = 0;
    switch (kind) {
    case CXCursor_FunctionDecl:
        text = function_signature(cursor);
        break;
    case CXCursor_VarDecl:
    case CXCursor_FieldDecl:
    case CXCursor_ParmDecl:
        rc = asprintf(&text, "%s %s", type, name);
        break;
    case CXCursor_TypedefDecl: {
        char *underlying = copy_string(clang_getTypeSpelling(clang_getTypedefDeclUnderlyingType(cursor)));
        rc = asprintf(&text, "typedef %s %s", underlying, name);
        free(underlying);
        break;
    }
    case CXCursor_EnumConstantDecl:
        rc = asprintf(&text, "%s = %lld", name, clang_getEnumConstantDeclValue(cursor));
        break;
    case CXCursor_MacroDefinition: {
        char *body = extent_text(unit, cursor);
        rc = asprintf(&text, "#define %s", body ? body : name);
        free(body);
        break;
    }
    default:
        text = extent_text(unit, cursor);
        if (!text)
            text = strdup(name);
        break;
    }
    if (rc < 0)
        text = NULL;
    free(name);
    free(type);
    return text;
}

/* A comment without its markers: / * *, * /, leading * and //. */
static char *clean_comment(const char *raw)
{
    char *text = malloc(strlen(raw) + 1);
    if (!text)
        return NULL;
    char *out = text;
    for (const char *line = raw; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *p = line, *stop = line + n;
        while (p < stop && (*p == ' ' || *p == '\t'))
            p++;
        if (stop - p >= 3 && (strncmp(p, "/**", 3) == 0 || strncmp(p, "///", 3) == 0))
            p += 3;
        else if (stop - p >= 2 && (strncmp(p, "/*", 2) == 0 || strncmp(p, "//", 2) == 0))
            p += 2;
        else if (p < stop && *p == '*' && (p + 1 == stop || p[1] != '/'))
            p++;
        if (p < stop && *p == ' ')
            p++;
        const char *q = stop;
        if (q - p >= 2 && q[-1] == '/' && q[-2] == '*')
            q -= 2;
        while (q > p && (q[-1] == ' ' || q[-1] == '*'))
            q--;
        memcpy(out, p, (size_t)(q - p));
        out += q - p;
        *out++ = '\n';
        line = end ? end + 1 : stop;
    }
    while (out > text && out[-1] == '\n')
        out--;
    *out = '\0';
    return text;
}

/* The declaration the cursor refers to, or a null cursor. */
static CXCursor referenced_at(CXTranslationUnit unit, const ClangDocument *doc)
{
    CXFile file = clang_getFile(unit, CLANG_DOCUMENT_NAME);
    CXSourceLocation location = clang_getLocation(unit, file, doc->line, doc->column);
    CXCursor cursor = clang_getCursor(unit, location);
    CXCursor referenced = clang_getCursorReferenced(cursor);
    if (!clang_Cursor_isNull(referenced) && !clang_isInvalid(clang_getCursorKind(referenced)))
        return referenced;
    return clang_isDeclaration(clang_getCursorKind(cursor)) ? cursor : clang_getNullCursor();
}

typedef struct NameSearch {
    const char *name;
    CXCursor found;
} NameSearch;

static enum CXChildVisitResult find_named(CXCursor cursor, CXCursor parent, CXClientData data)
{
    (void)parent;
    NameSearch *search = data;
    enum CXCursorKind kind = clang_getCursorKind(cursor);
    if (!clang_isDeclaration(kind) && kind != CXCursor_MacroDefinition)
        return CXChildVisit_Continue;
    CXString spelling = clang_getCursorSpelling(cursor);
    const char *text = clang_getCString(spelling);
    /* The last declaration wins: a cell's redefinition comes after the old one. */
    if (text && strcmp(text, search->name) == 0)
        search->found = cursor;
    clang_disposeString(spelling);
    return kind == CXCursor_EnumDecl ? CXChildVisit_Recurse : CXChildVisit_Continue;
}

/* When the position says nothing (a type name on its own, say), the name
 * is looked up among the document's top-level declarations. */
static CXCursor declared_named(CXTranslationUnit unit, const char *name)
{
    NameSearch search = {name, clang_getNullCursor()};
    clang_visitChildren(clang_getTranslationUnitCursor(unit), find_named, &search);
    return search.found;
}

json_t *interpreter_inspect(Interpreter *interp, const char *code, int cursor_pos, int detail_level)
{
    (void)detail_level;
    if (!code)
        code = "";
    size_t length = strlen(code);
    size_t cursor = cursor_pos < 0 ? length : utf8_offset_of(code, (size_t)cursor_pos);
    /* Jupyter puts the cursor after the word or inside it: use its start. */
    size_t start = cursor;
    while (start > 0 && is_word_char(code[start - 1]))
        start--;
    if (start == cursor && !is_word_char(code[cursor]) && cursor > 0 && code[cursor - 1] == '(') {
        start = cursor - 1;     /* f( -> inspect f */
        while (start > 0 && is_word_char(code[start - 1]))
            start--;
    }
    char *text = NULL;
    ClangContext *context = interp ? assistants_clang(interp) : NULL;
    ClangDocument doc;
    if (context && clang_document_build(interp, code, start, &doc) == 0) {
        CXTranslationUnit unit = clang_context_acquire(context, &doc);
        CXCursor target = unit ? referenced_at(unit, &doc) : clang_getNullCursor();
        size_t end = start;
        while (is_word_char(code[end]))
            end++;
        char *word = strndup(code + start, end - start);
        if (unit && clang_Cursor_isNull(target) && word && *word)
            target = declared_named(unit, word);
        free(word);
        if (!clang_Cursor_isNull(target)) {
            char *declaration = declaration_text(unit, target);
            char *raw = copy_string(clang_Cursor_getRawCommentText(target));
            char *comment = raw ? clean_comment(raw) : NULL;
            free(raw);
            if (declaration && comment &&
                asprintf(&text, "%s%s%s", declaration, *comment ? "\n\n" : "", comment) < 0)
                text = NULL;
            free(declaration);
            free(comment);
        }
        clang_context_release(context);
        clang_document_free(&doc);
    }
    json_t *reply = text ? json_pack("{s:b, s:{s:s}, s:{}}", "found", 1, "data", "text/plain", text, "metadata")
                         : json_pack("{s:b, s:{}, s:{}}", "found", 0, "data", "metadata");
    free(text);
    return reply;
}

json_t *inspection_help(Interpreter *interp, const char *name)
{
    return interpreter_inspect(interp, name, (int)strlen(name), 1);
}
