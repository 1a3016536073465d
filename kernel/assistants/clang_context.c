// SPDX-License-Identifier: BSD-3-Clause
/* libclang context; see clang_context.h. */
#include "clang_context.h"
#include "compiler/cell_splitter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

struct ClangContext {
    pthread_mutex_t lock;
    CXIndex index;
    CXTranslationUnit unit;
    char *include_flag;
};

ClangContext *clang_context_new(const char *include_dir)
{
    ClangContext *context = calloc(1, sizeof *context);
    if (!context)
        return NULL;
    pthread_mutex_init(&context->lock, NULL);
    context->index = clang_createIndex(0, 0);
    if (!context->index || asprintf(&context->include_flag, "-I%s", include_dir) < 0) {
        clang_context_free(context);
        return NULL;
    }
    return context;
}

void clang_context_free(ClangContext *context)
{
    if (!context)
        return;
    if (context->unit)
        clang_disposeTranslationUnit(context->unit);
    if (context->index)
        clang_disposeIndex(context->index);
    free(context->include_flag);
    pthread_mutex_destroy(&context->lock);
    free(context);
}

CXTranslationUnit clang_context_acquire(ClangContext *context, const ClangDocument *doc)
{
    pthread_mutex_lock(&context->lock);
    struct CXUnsavedFile file = {CLANG_DOCUMENT_NAME, doc->text, (unsigned long)doc->size};
    if (context->unit &&
        clang_reparseTranslationUnit(context->unit, 1, &file, clang_defaultReparseOptions(context->unit)) != 0) {
        clang_disposeTranslationUnit(context->unit);
        context->unit = NULL;
    }
    if (!context->unit) {
        const char *args[] = {"-xc", "-std=gnu17", "-D_GNU_SOURCE", context->include_flag,
                              "-fparse-all-comments", "-Wno-everything"};
        unsigned options = CXTranslationUnit_PrecompiledPreamble |
                           CXTranslationUnit_CacheCompletionResults |
                           CXTranslationUnit_DetailedPreprocessingRecord |
                           CXTranslationUnit_KeepGoing;
        if (clang_parseTranslationUnit2(context->index, CLANG_DOCUMENT_NAME, args,
                                        (int)(sizeof args / sizeof *args), &file, 1, options,
                                        &context->unit) != CXError_Success)
            context->unit = NULL;
    }
    return context->unit;
}

void clang_context_release(ClangContext *context)
{
    pthread_mutex_unlock(&context->lock);
}

size_t utf8_offset_of(const char *text, size_t characters)
{
    size_t i = 0;
    for (size_t seen = 0; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80)
            continue;
        if (seen++ == characters)
            break;
    }
    return i;
}

size_t utf8_characters_in(const char *text, size_t bytes)
{
    size_t count = 0;
    for (size_t i = 0; i < bytes && text[i]; i++)
        count += ((unsigned char)text[i] & 0xC0) != 0x80;
    return count;
}

typedef struct Builder {
    char *text;
    size_t size, capacity;
    bool failed;
} Builder;

static void put(Builder *b, const char *data, size_t size)
{
    if (b->failed)
        return;
    if (b->size + size + 1 > b->capacity) {
        size_t capacity = (b->size + size + 1) * 2;
        char *bigger = realloc(b->text, capacity);
        if (!bigger) {
            b->failed = true;
            return;
        }
        b->text = bigger;
        b->capacity = capacity;
    }
    memcpy(b->text + b->size, data, size);
    b->size += size;
    b->text[b->size] = '\0';
}

static void puts_(Builder *b, const char *text)
{
    put(b, text, strlen(text));
}

static bool is_body(CellItemKind kind)
{
    return kind == ITEM_STATEMENT || kind == ITEM_EXPRESSION;
}

/* Emits item slices of one placement (file scope or body); records where
 * the cursor lands. */
static void emit(Builder *b, const char *code, const CellPlan *plan, bool body, size_t cursor,
                 size_t *cursor_at)
{
    for (size_t i = 0; i < plan->count; i++) {
        const CellItem *item = &plan->items[i];
        if (is_body(item->kind) != body)
            continue;
        size_t start = b->size;
        put(b, code + item->start, item->end - item->start);
        puts_(b, "\n");
        if (cursor >= item->start && cursor <= item->end)
            *cursor_at = start + (cursor - item->start);
    }
}

int clang_document_build(Interpreter *interp, const char *code, size_t cursor, ClangDocument *doc)
{
    *doc = (ClangDocument){0};
    CellPlan plan;
    if (interpreter_split(interp, code, &plan) != 0)
        return -1;
    char *prelude = interpreter_prelude(interp);
    Builder b = {0};
    puts_(&b, "#include <cnb.h>\n");
    puts_(&b, prelude ? prelude : "");
    free(prelude);
    puts_(&b, "\n#line 1 \"cell\"\n");
    size_t cursor_at = (size_t)-1;
    emit(&b, code, &plan, false, cursor, &cursor_at);
    puts_(&b, "void cnb_complete_here(void)\n{\n");
    emit(&b, code, &plan, true, cursor, &cursor_at);
    if (cursor_at == (size_t)-1) {
        /* The cursor is between items: a fresh statement there. */
        cursor_at = b.size;
        puts_(&b, "\n");
    }
    puts_(&b, ";\n}\n");
    cell_plan_free(&plan);
    if (b.failed) {
        free(b.text);
        return -1;
    }
    doc->text = b.text;
    doc->size = b.size;
    doc->line = 1;
    doc->column = 1;
    for (size_t i = 0; i < cursor_at && i < b.size; i++) {
        if (b.text[i] == '\n') {
            doc->line++;
            doc->column = 1;
        } else {
            doc->column++;
        }
    }
    return 0;
}

void clang_document_free(ClangDocument *doc)
{
    free(doc->text);
    *doc = (ClangDocument){0};
}

void clang_context_warm(ClangContext *context, Interpreter *interp)
{
    if (!context)
        return;
    ClangDocument doc;
    if (!context || clang_document_build(interp, "", 0, &doc) != 0)
        return;
    clang_context_acquire(context, &doc);
    clang_context_release(context);
    clang_document_free(&doc);
}

/* ---- the interpreter's context (what assistants.c attaches) ---- */

struct ClangSlot {
    Interpreter *interp;
    pthread_mutex_t lock;           /* clang */
    ClangContext *clang;
    pthread_t warm_thread;
    bool warming;
};

ClangSlot *clang_slot_new(Interpreter *interp)
{
    ClangSlot *slot = calloc(1, sizeof *slot);
    if (!slot)
        return NULL;
    slot->interp = interp;
    pthread_mutex_init(&slot->lock, NULL);
    return slot;
}

ClangContext *assistants_clang(Interpreter *interp)
{
    ClangSlot *slot = interpreter_assistant_data(interp);
    if (!slot)
        return NULL;
    pthread_mutex_lock(&slot->lock);
    if (!slot->clang)
        slot->clang = clang_context_new(interpreter_include_dir(interp));
    pthread_mutex_unlock(&slot->lock);
    return slot->clang;
}

/* libclang's first parse of the headers takes a few hundred ms; do it
 * ahead of the first completion request, at low priority. */
static void *warm_up(void *arg)
{
    ClangSlot *slot = arg;
    /* Linux nices threads one by one: keep out of the way of start-up and
     * of the first cells. */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 15);
    clang_context_warm(assistants_clang(slot->interp), slot->interp);
    return NULL;
}

void clang_slot_warm_up(ClangSlot *slot)
{
    if (!slot->warming)
        slot->warming = pthread_create(&slot->warm_thread, NULL, warm_up, slot) == 0;
}

void clang_slot_free(void *data)
{
    ClangSlot *slot = data;
    if (!slot)
        return;
    if (slot->warming)
        pthread_join(slot->warm_thread, NULL);
    clang_context_free(slot->clang);
    pthread_mutex_destroy(&slot->lock);
    free(slot);
}
