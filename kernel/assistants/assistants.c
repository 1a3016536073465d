// SPDX-License-Identifier: BSD-3-Clause
/* The assistants of one interpreter attach to it: the libclang slot that
 * completion and inspection share (clang_context.c), warmed up at start,
 * and the answer to `name?` (inspection.c).  They register through
 * interpreter_attach_assistant, so the interpreter frees them without
 * knowing them. */
#include "clang_context.h"

#include <stdlib.h>

void assistants_attach(Interpreter *interp)
{
    ClangSlot *slot = interp ? clang_slot_new(interp) : NULL;
    if (!slot)
        return;
    interpreter_attach_assistant(interp, (InterpreterAssistant){
        .data = slot, .free_data = clang_slot_free, .help = inspection_help});
    if (!getenv("CNB_NO_CLANG_WARMUP"))
        clang_slot_warm_up(slot);
}
