// SPDX-License-Identifier: BSD-3-Clause
/* The cell splitter: cuts a cell into top-level items and says what each
 * one is, so that declarations go to file scope (and persist) while
 * statements run, in order, inside the cell's function.
 *
 * Example: `Model *m = sequential(flatten());` is a VARIABLE named m with
 * specifiers "Model", declarator "*m" and initializer "sequential(...)":
 * the cell source defines a global `Model *m` and assigns it in the cell's
 * function. */
#ifndef CNB_COMPILER_CELL_SPLITTER_H
#define CNB_COMPILER_CELL_SPLITTER_H

#include <stdbool.h>
#include <stddef.h>

/* The name a non-constant initializer is evaluated into before it is copied
 * to the global (see cell_source.c). */
#define CELL_INIT_NAME "cnb_init_"

typedef enum CellItemKind {
    ITEM_INCLUDE,       /* #include: persists */
    ITEM_DEFINE,        /* #define or #undef: persists, keyed by the macro name */
    ITEM_DIRECTIVE,     /* any other directive (#pragma, #if): this cell only */
    ITEM_TYPE,          /* struct/union/enum definition or typedef: persists */
    ITEM_VARIABLE,      /* one global variable */
    ITEM_FUNCTION,      /* a function definition */
    ITEM_PROTOTYPE,     /* a function declaration */
    ITEM_EXTERN,        /* `extern T x;`: a reference, persists as written */
    ITEM_FILE_SCOPE,    /* other file-scope code (_Static_assert, `struct S;`): this cell only */
    ITEM_STATEMENT,     /* runs in the cell function */
    ITEM_EXPRESSION     /* the trailing expression without ';' (its value is shown) */
} CellItemKind;

typedef struct CellItem {
    CellItemKind kind;
    int line;               /* 1-based cell line of the item's first token */
    size_t start, end;      /* byte range in the cell */
    char *text;             /* the item as code (storage classes removed where it matters) */
    char *name;             /* VARIABLE, FUNCTION, PROTOTYPE, EXTERN, DEFINE */
    char **keys;            /* TYPE: the names it declares: "struct S", "T", "RED" */
    size_t key_count;
    char *specifiers;       /* VARIABLE, FUNCTION, PROTOTYPE: without static/extern/inline */
    char *declarator;       /* VARIABLE, FUNCTION, PROTOTYPE */
    char *extern_declarator;/* VARIABLE: declarator for later cells ([] sized when known) */
    char *definition;       /* VARIABLE: specifiers + declarator as defined (const dropped
                               when the initializer is copied in at run time) */
    char *initializer;      /* VARIABLE: initializer text, or NULL */
    size_t init_start;      /* VARIABLE: where the initializer starts in the split text */
    char *init_declaration; /* VARIABLE: `T CELL_INIT_NAME = initializer` */
    bool static_init;       /* VARIABLE: the initializer stays on the definition (constant,
                               or an unsized array) */
    char *comment;          /* comment right before the item, or NULL */
    /* Blanks (tabs kept) as wide as what precedes the item on its first
     * line, so that generated code keeps the user's columns. */
    char *lead;
    /* VARIABLE with initializer: `T CELL_INIT_NAME` (the part before '='),
     * and where the initializer starts. */
    char *init_head;
    int init_line;
    char *init_lead;
    /* After macro expansion (macro_expander.h), text and initializer are
     * the expanded code, as later cells carry it; own_text and
     * own_initializer are the user's code, which this cell compiles (NULL:
     * the same as the expanded one, or the item is only part of what an
     * invocation expands to). */
    char *own_text;
    char *own_initializer;
    /* TYPE: the state already has this very definition (a cell run again);
     * set by the interpreter: the item is neither compiled nor committed. */
    bool unchanged;
} CellItem;

typedef struct CellPlan {
    CellItem *items;
    size_t count;
    char *expanded;         /* the cell after macro expansion, or NULL when no macro was used */
    char *header_macros;    /* the macros the cell's new #includes brought (included_macros.h),
                               set by the interpreter, kept with the include; or NULL */
} CellPlan;

/* The code this cell compiles for item: the user's own where there is one. */
static inline const char *cell_item_code(const CellItem *item)
{
    return item->own_text ? item->own_text : item->text;
}
static inline const char *cell_item_initializer(const CellItem *item)
{
    return item->own_initializer ? item->own_initializer : item->initializer;
}

/* VARIABLE, FUNCTION: the declaration without the name, "Model *" for
 * `Model *m`, "int (void)" for `int f(void)` (malloc'd, or NULL). */
char *cell_item_type(const CellItem *item);
/* The same code but for spacing. */
bool cell_same_code(const char *a, const char *b);

/* Answers whether an identifier names a type (typedef) in the current state. */
typedef bool (*TypeNamePredicate)(const char *name, void *context);

struct MacroTable;

/* Splits code as the compiler sees it, after the macros in force (NULL:
 * none) and the cell's own #define/#undef lines, in order; items keep the
 * cell's byte ranges and lines.  Returns 0, or -1 when out of memory. */
int cell_split_macros(const char *code, const struct MacroTable *macros, TypeNamePredicate is_type,
                      void *context, CellPlan *plan);
/* The same with no earlier macros. */
int cell_split(const char *code, TypeNamePredicate is_type, void *context, CellPlan *plan);
void cell_plan_free(CellPlan *plan);
const char *cell_item_kind_name(CellItemKind kind);

#endif
