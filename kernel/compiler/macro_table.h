// SPDX-License-Identifier: BSD-3-Clause
/* The user's macros in force: the #define and #undef lines of earlier cells
 * and of the cell so far, applied in order, with those of the headers the
 * cells included (included_macros.h) and of %cflags -D.  The expander
 * (macro_expander.c) reads it to see a cell's top-level code as the
 * compiler will; cnb.h's own macros are never here (they stay for gcc).
 *
 * Example: after `#define PUB(type) type`, macro_table_find(t, "PUB", 3)
 * gives a function-like macro with one parameter "type" and body "type". */
#ifndef CNB_COMPILER_MACRO_TABLE_H
#define CNB_COMPILER_MACRO_TABLE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Macro {
    char *name;
    bool function_like;     /* `#define F(...)`: '(' right after the name */
    bool variadic;          /* the last parameter is `...` (__VA_ARGS__) or `name...` */
    char **params;          /* function-like: the parameter names (variadic: the last one) */
    size_t param_count;
    char *body;             /* the replacement list, continuations joined, comments kept out */
} Macro;

typedef struct MacroTable {
    Macro *macros;
    size_t count, capacity;
} MacroTable;

void macro_table_init(MacroTable *table);
void macro_table_free(MacroTable *table);

/* Applies one directive's text ("#define N 1", "# undef N", continuations
 * included).  Returns 1 when it was a #define or #undef that changed the
 * table, 0 for any other directive (or a malformed one, which gcc will
 * report), -1 when out of memory. */
int macro_table_apply(MacroTable *table, const char *directive, size_t length);

/* Applies each line of lines ("#define A 1\n#undef B\n").  0 or -1. */
int macro_table_apply_lines(MacroTable *table, const char *lines);

/* Applies the -D and -U options of a compiler's flags (count of them):
 * `-DAPI=extern` as `#define API extern`, `-DNDEBUG` as `#define NDEBUG 1`,
 * `-D NAME` too.  0 or -1. */
int macro_table_apply_flags(MacroTable *table, char *const *flags, size_t count);

/* The macro named by text[0..length), or NULL. */
const Macro *macro_table_find(const MacroTable *table, const char *text, size_t length);

/* A copy of the table (for one cell's expansion); 0 or -1. */
int macro_table_copy(MacroTable *to, const MacroTable *from);

#endif
