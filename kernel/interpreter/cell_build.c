// SPDX-License-Identifier: BSD-3-Clause
/* A cell's source and library: cell_K.c from the prelude and the cell,
 * compiled by gcc to cell_K.so.  The prelude is first cut down to the
 * declarations the cell names (prelude_filter.h: a smaller file compiles
 * faster); when that fails the cell is tried again against every earlier
 * declaration.  A cell whose last expression has no printable value is
 * tried again as plain statements. */
#include "interpreter_internal.h"
#include "compiler/cell_source.h"
#include "compiler/diagnostics.h"
#include "compiler/prelude_filter.h"
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void compiled_free(Compiled *compiled)
{
    free(compiled->library);
    free(compiled->diagnostics);
    compiled->library = compiled->diagnostics = NULL;
}

/* An unloaded cell's files: nothing refers to them any more. */
void remove_cell_files(Interpreter *interp, const Compiled *compiled, const char *origin)
{
    char *source = NULL, *input = NULL;
    if (asprintf(&source, "%s/cell_%d.c", interp->work_dir, compiled->cell) >= 0)
        unlink(source);
    if (asprintf(&input, "%s/%s", interp->work_dir, origin) >= 0)
        unlink(input);
    unlink(compiled->library);
    free(source);
    free(input);
}

static bool has_expression(const CellPlan *plan)
{
    for (size_t i = 0; i < plan->count; i++)
        if (plan->items[i].kind == ITEM_EXPRESSION)
            return true;
    return false;
}

static int compile_once(Interpreter *interp, CellSourceSpec *spec, const StringList *cflags,
                        const StringList *ldflags, Compiled *out)
{
    char *source = cell_source_generate(spec);
    char *source_name = NULL, *library_name = NULL;
    if (!source || asprintf(&source_name, "cell_%d.c", spec->cell) < 0 ||
        asprintf(&library_name, "cell_%d.so", spec->cell) < 0 ||
        write_file(interp->work_dir, source_name, source) != 0) {
        free(source);
        free(source_name);
        free(library_name);
        return -1;
    }
    free(out->diagnostics);
    out->diagnostics = NULL;
    char *raw = NULL;
    out->ok = cell_compiler_build(interp->compiler, source_name, library_name, cflags->items,
                                  ldflags->items, &raw) == 0;
    out->diagnostics = diagnostics_tidy(raw);
    free(raw);
    free(out->library);
    if (asprintf(&out->library, "%s/%s", interp->work_dir, library_name) < 0)
        out->library = NULL;
    free(source);
    free(source_name);
    free(library_name);
    return out->library ? 0 : -1;
}

/* Compiles the cell against prelude.  Not every value can be shown (a
 * struct, a void call): then the expression runs as a plain statement. */
static int compile_with(Interpreter *interp, CellSourceSpec *spec, const char *prelude,
                        const StringList *cflags, const StringList *ldflags, Compiled *out)
{
    spec->cell = out->cell;
    spec->prelude = prelude;
    spec->show_expression = true;
    int rc = compile_once(interp, spec, cflags, ldflags, out);
    if (rc == 0 && !out->ok && (has_expression(spec->plan) || spec->timeit_count > 0)) {
        Compiled plain = {.cell = ++interp->next_cell};
        spec->cell = plain.cell;
        spec->show_expression = false;
        rc = compile_once(interp, spec, cflags, ldflags, &plain);
        /* If neither compiles, the first diagnostics are the clearer ones. */
        if (rc == 0 && plain.ok) {
            free(out->library);
            free(out->diagnostics);
            *out = plain;
        } else {
            free(plain.library);
            free(plain.diagnostics);
        }
    }
    return rc;
}

/* The prelude of only what the cell names (prelude_filter.h), or NULL.
 * Called with the state locked. */
static char *needed_prelude(Interpreter *interp, CellSourceSpec *spec, const bool *hidden)
{
    spec->prelude = "";
    spec->show_expression = true;
    char *text = cell_source_generate(spec);
    bool *skip = text ? malloc((interp->state.count + 1) * sizeof *skip) : NULL;
    char *prelude = NULL;
    if (skip) {
        memcpy(skip, hidden, interp->state.count * sizeof *skip);
        if (prelude_filter(&interp->state, text, skip) == 0)
            prelude = cell_state_prelude(&interp->state, skip, false);
    }
    free(skip);
    free(text);
    return prelude;
}

int compile_cell(Interpreter *interp, const CellBuild *build, Compiled *out)
{
    CellSourceSpec spec = {
        .cell = out->cell, .origin = build->origin, .plan = build->plan,
        .header = cell_compiler_header(interp->compiler),
        .timeits = build->magics->timeits, .timeit_count = build->magics->timeit_count,
        .rebinds = build->rebinds,
    };
    pthread_mutex_lock(&interp->lock);
    char *needed = needed_prelude(interp, &spec, build->hidden);
    pthread_mutex_unlock(&interp->lock);
    bool filtered = needed != NULL;
    int rc = filtered ? compile_with(interp, &spec, needed, build->cflags, build->ldflags, out) : 0;
    free(needed);
    if (rc != 0 || (filtered && out->ok))
        return rc;
    /* Failed (or no filtered prelude): once more with every earlier
     * declaration, for a name a macro pasted together, and so that gcc's
     * "did you mean" hints choose from all names. */
    pthread_mutex_lock(&interp->lock);
    char *full = cell_state_prelude(&interp->state, build->hidden, false);
    pthread_mutex_unlock(&interp->lock);
    rc = full ? compile_with(interp, &spec, full, build->cflags, build->ldflags, out) : -1;
    free(full);
    return rc;
}

/* The line that says what went wrong: gcc's first error, else the
 * linker's complaint (collect2's summary says nothing). */
static char *first_error(const char *diagnostics)
{
    const char *found = NULL;
    size_t skip = 0;
    for (const char *line = diagnostics; line && *line && !found;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *error = memmem(line, n, "error: ", 7);
        if (error && !memmem(line, n, "collect2", 8) && !memmem(line, n, "ld returned", 11)) {
            found = error;
            skip = 7;
        } else if (memmem(line, n, "ld: ", 4) || memmem(line, n, "undefined reference", 19)) {
            found = line;
        }
        line = end ? end + 1 : NULL;
    }
    if (!found)
        return NULL;
    const char *end = strchr(found, '\n');
    return strndup(found + skip, end ? (size_t)(end - found) - skip : strlen(found + skip));
}

void compile_error(ExecuteOutcome *outcome, const char *diagnostics, const char *origin)
{
    char *evalue = diagnostics ? first_error(diagnostics) : NULL;
    if (!evalue && asprintf(&evalue, "%s did not compile", origin) < 0)
        evalue = NULL;
    outcome_set_error(outcome, "CompileError", evalue, text_lines(diagnostics));
    free(evalue);
}

