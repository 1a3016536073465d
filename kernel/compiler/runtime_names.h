// SPDX-License-Identifier: BSD-3-Clause
/* Every name is the user's.  cnb.h declares many everyday names
 * (evaluate, flatten, normalize, Model...).  For cells they are spelled
 * with a cnb_ prefix behind the user's back: `#define evaluate
 * cnb_evaluate` before cnb.h is included, and `#pragma redefine_extname`
 * keeps the symbol the library's.  A cell that declares such a name
 * #undef's the macro first, so its own declaration never conflicts and wins
 * in that cell and every later one; the runtime's stays reachable as
 * cnb_evaluate.  The list of names comes from cnb.h itself, at build time
 * (list_runtime_names.c). */
#ifndef CNB_COMPILER_RUNTIME_NAMES_H
#define CNB_COMPILER_RUNTIME_NAMES_H

#include <stdbool.h>
#include <stddef.h>

typedef enum RuntimeNameKind {
    RUNTIME_NONE,
    RUNTIME_FUNCTION,
    RUNTIME_STATIC_FUNCTION,
    RUNTIME_VARIABLE,
    RUNTIME_TYPE,           /* typedef or struct/union/enum tag */
    RUNTIME_CONSTANT,       /* enum constant */
    RUNTIME_MACRO           /* not renamed: a user declaration #undef's it */
} RuntimeNameKind;

RuntimeNameKind runtime_name_kind(const char *name);

/* True when a user declaration of name must be preceded by #undef name. */
bool runtime_name_taken(const char *name);

/* "#undef NAME" lines for the keys ("evaluate", "struct Model") that
 * are runtime names (malloc'd), or NULL when there are none. */
char *runtime_names_undefs(char *const *keys, size_t count);

/* The renaming lines that go before #include <cnb.h> (malloc'd). */
char *runtime_names_prelude(void);

/* text with cnb_NAME written NAME for the renamed runtime names, so that
 * diagnostics speak of Tensor, not cnb_Tensor (malloc'd; NULL if text is). */
char *runtime_names_unprefix(const char *text);

#endif
