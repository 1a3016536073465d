// SPDX-License-Identifier: BSD-3-Clause
/* Magics: lines starting with '%' at the top of a cell.
 *
 *   %cflags -O0 -DDEBUG     compiler flags for this and later cells
 *   %ldflags -L/opt/x -lx   linker flags for this and later cells
 *   %lib m                  shorthand for %ldflags -lm
 *   %timeit <statement or expression>   times it, as IPython does
 *   %%timeit (first line)   times the rest of the cell
 *   %who                    lists the globals of earlier cells with their types
 *   %reset                  forgets every earlier cell (a fresh worker, no flags)
 *   %rollback on|off        whether a crash goes back to the last cell's end
 *                           (worker snapshots); without an argument: says which
 *
 * Flags are kept only once a cell using them has compiled, so a mistyped
 * flag cannot break every later cell. */
#ifndef CNB_COMPILER_MAGICS_H
#define CNB_COMPILER_MAGICS_H

#include <stdbool.h>
#include <stddef.h>
#include "cell_source.h"

/* A NULL-terminated list of strings, usable as part of an argv. */
typedef struct StringList {
    char **items;
    size_t count;
} StringList;

int string_list_add(StringList *list, const char *text);
int string_list_extend(StringList *list, const StringList *more);
void string_list_free(StringList *list);

typedef enum RollbackMagic {
    ROLLBACK_UNCHANGED = 0, ROLLBACK_ON, ROLLBACK_OFF, ROLLBACK_SHOW
} RollbackMagic;

typedef struct CellMagics {
    char *code;             /* the cell with its magic lines blanked (lines keep their numbers) */
    StringList cflags, ldflags;
    CellTimeit *timeits;
    size_t timeit_count;
    bool who;
    bool reset;
    RollbackMagic rollback;
    bool show_flags;        /* %cflags or %ldflags without arguments */
    char *error;            /* an unknown or malformed magic, or NULL */
} CellMagics;

/* Reads the magics; returns 0, or -1 when out of memory. */
int magics_parse(const char *code, CellMagics *magics);
void magics_free(CellMagics *magics);

#endif
