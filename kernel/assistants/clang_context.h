// SPDX-License-Identifier: BSD-3-Clause
/* libclang for completion and inspection: one translation unit per kernel,
 * reparsed with the current prelude and cell as an unsaved file.  The
 * headers at its top (cnb.h and the cells' #includes) form the preamble,
 * which libclang precompiles once and reuses, so a request after the first
 * costs milliseconds.
 *
 * The document puts the cell's declarations at file scope and its
 * statements in a function body, as the compiled cell has them, and
 * remembers where each piece of the cell went so that a cursor in the cell
 * maps to a position in the document. */
#ifndef CNB_ASSISTANTS_CLANG_CONTEXT_H
#define CNB_ASSISTANTS_CLANG_CONTEXT_H

#include <clang-c/Index.h>
#include <stddef.h>
#include "interpreter/interpreter_state.h"

#define CLANG_DOCUMENT_NAME "cnb_cell.c"

typedef struct ClangDocument {
    char *text;
    size_t size;
    unsigned line, column;      /* where the cell's cursor landed */
} ClangDocument;

typedef struct ClangContext ClangContext;
ClangContext *clang_context_new(const char *include_dir);
void clang_context_free(ClangContext *context);
/* Parses the headers once (with interp's prelude) so that the first
 * request is quick. */
void clang_context_warm(ClangContext *context, Interpreter *interp);
/* The slot that assistants.c attaches to the interpreter: its context,
 * made on first use, and the thread that warms it up. */
typedef struct ClangSlot ClangSlot;
ClangSlot *clang_slot_new(Interpreter *interp);
/* Starts the warm-up (once the slot is attached). */
void clang_slot_warm_up(ClangSlot *slot);
void clang_slot_free(void *slot);
/* The attached slot's context, made on first use; NULL when no assistants
 * are attached or libclang failed. */
ClangContext *assistants_clang(Interpreter *interp);

/* inspection.c: the answer to `name?` (inspect_reply content). */
json_t *inspection_help(Interpreter *interp, const char *name);

/* Builds the document for code with the cursor at byte offset cursor. */
int clang_document_build(Interpreter *interp, const char *code, size_t cursor, ClangDocument *doc);
void clang_document_free(ClangDocument *doc);

/* Locks the context and returns its translation unit parsed for doc
 * (NULL if libclang failed); release with clang_context_release. */
CXTranslationUnit clang_context_acquire(ClangContext *context, const ClangDocument *doc);
void clang_context_release(ClangContext *context);

/* Cursor positions in Jupyter count Unicode characters; C strings, bytes. */
size_t utf8_offset_of(const char *text, size_t characters);
size_t utf8_characters_in(const char *text, size_t bytes);

#endif
