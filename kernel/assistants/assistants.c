// SPDX-License-Identifier: BSD-3-Clause
/* The assistants of one interpreter: its libclang context, made on first
 * use and warmed up at start, and the answer to `name?`.  They attach to
 * the interpreter through interpreter_attach_assistant, so the interpreter
 * frees them without knowing them. */
#include "clang_context.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct Assistants {
    Interpreter *interp;
    pthread_mutex_t lock;           /* clang */
    ClangContext *clang;
    pthread_t warm_thread;
    bool warming;
} Assistants;

ClangContext *assistants_clang(Interpreter *interp)
{
    Assistants *assistants = interpreter_assistant_data(interp);
    if (!assistants)
        return NULL;
    pthread_mutex_lock(&assistants->lock);
    if (!assistants->clang)
        assistants->clang = clang_context_new(interpreter_include_dir(interp));
    pthread_mutex_unlock(&assistants->lock);
    return assistants->clang;
}

/* libclang's first parse of the headers takes a few hundred ms; do it
 * ahead of the first completion request, at low priority. */
static void *warm_clang(void *arg)
{
    Assistants *assistants = arg;
    /* Linux nices threads one by one: keep out of the way of start-up and
     * of the first cells. */
    setpriority(PRIO_PROCESS, (id_t)gettid(), 15);
    clang_context_warm(assistants_clang(assistants->interp), assistants->interp);
    return NULL;
}

static void assistants_free(void *data)
{
    Assistants *assistants = data;
    if (assistants->warming)
        pthread_join(assistants->warm_thread, NULL);
    clang_context_free(assistants->clang);
    pthread_mutex_destroy(&assistants->lock);
    free(assistants);
}

static json_t *help(Interpreter *interp, const char *name)
{
    return interpreter_inspect(interp, name, (int)strlen(name), 1);
}

void assistants_attach(Interpreter *interp)
{
    Assistants *assistants = interp ? calloc(1, sizeof *assistants) : NULL;
    if (!assistants)
        return;
    assistants->interp = interp;
    pthread_mutex_init(&assistants->lock, NULL);
    interpreter_attach_assistant(interp, (InterpreterAssistant){
        .data = assistants, .free_data = assistants_free, .help = help});
    if (!getenv("CNB_NO_CLANG_WARMUP"))
        assistants->warming = pthread_create(&assistants->warm_thread, NULL, warm_clang, assistants) == 0;
}
