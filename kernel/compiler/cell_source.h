// SPDX-License-Identifier: BSD-3-Clause
/* Generates cell_K.c from a split cell and the prelude of earlier cells:
 *
 *     #include "cnb_pch.h"                      (cnb.h, precompiled)
 *     #line 4 "In[2]"
 *     extern Model *m __asm__("cnb_c2_m");     (the prelude)
 *     ...
 *     #line 1 "In[5]"
 *     int f(int a) __asm__("cnb_c5_f");        (this cell's file-scope items)
 *     int f(int a) { ... }
 *     void cnb_cell_5(void)
 *     {
 *     #line 3 "In[5]"
 *         printf("%d\n", f(2));                (its statements, in order)
 *     #line 4 "In[5]"
 *         cnb_show((f(3)));                    (the trailing expression)
 *     }
 *
 * #line directives make gcc's diagnostics and the debug info name the
 * user's cell and line. */
#ifndef CNB_COMPILER_CELL_SOURCE_H
#define CNB_COMPILER_CELL_SOURCE_H

#include <stdbool.h>
#include "cell_splitter.h"
#include "late_binding.h"

/* The file name the generated cell function is declared under. */
#define CELL_FUNCTION_FILE "cnb-cell-function"

typedef struct CellTimeit {
    const char *code;
    int line;
} CellTimeit;

typedef struct CellSourceSpec {
    int cell;                   /* the cell's unique number K */
    const char *origin;         /* "In[5]" */
    const CellPlan *plan;
    const char *prelude;        /* from cell_state_prelude */
    const char *header;         /* first line: the PCH include, or "#include <cnb.h>" */
    bool show_expression;       /* show the trailing expression; keep %timeit's value */
    const CellTimeit *timeits;
    size_t timeit_count;
    const Rebinds *rebinds;     /* functions defined again (late_binding.h), or NULL */
} CellSourceSpec;

/* malloc'd source text, or NULL when out of memory. */
char *cell_source_generate(const CellSourceSpec *spec);

/* "cnb_c5_f" for cell 5's f (malloc'd). */
char *cell_symbol(int cell, const char *name);
/* "cnb_cell_5" (malloc'd). */
char *cell_function_name(int cell);

#endif
