// SPDX-License-Identifier: BSD-3-Clause
/* Runtime errors that end the cell, as a Python exception does.
 *
 * When a runtime call fails on the cell's thread, the runtime hands over
 * the stack slot of its return address into the cell (cnb/error.h).  The
 * worker swaps that address for a landing pad: the call finishes normally
 * (releasing what it had allocated, unlocking what it had locked) and
 * "returns" into the landing pad, which unwinds the cell like a fault.  No
 * later statement of the cell runs; the saved address says which cell
 * line made the call. */
#include "worker.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static struct {
    bool pending;
    char kind[32];
    char message[1024];
    void *return_address;   /* into the cell, where the failing call returns */
} error;

_Noreturn void worker_error_raise(void);

/* The landing pad: entered by the runtime function's own `ret`, so the
 * stack is as the cell's call left it, aligned for a call. */
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl worker_error_landing\n"
        ".type worker_error_landing, @function\n"
        "worker_error_landing:\n"
        "    call worker_error_raise\n"
        "    ud2\n"
        ".size worker_error_landing, .-worker_error_landing\n");
#define HAVE_LANDING 1
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl worker_error_landing\n"
        ".type worker_error_landing, %function\n"
        "worker_error_landing:\n"
        "    bl worker_error_raise\n"
        "    brk #0\n"
        ".size worker_error_landing, .-worker_error_landing\n");
#define HAVE_LANDING 1
#endif
#ifdef HAVE_LANDING
void worker_error_landing(void);
#endif

static bool in_cell_library(const void *address)
{
    Dl_info info;
    return dladdr(address, &info) && info.dli_fname && strstr(info.dli_fname, "/cell_");
}

_Noreturn void worker_error_raise(void)
{
    worker_unwind(CELL_RUNTIME_ERROR, 0);
}

bool worker_runtime_error(const char *kind, const char *message, void **return_slot)
{
    if (!worker_cell_running() || !worker_on_cell_thread())
        return false;       /* a helper thread's error: printed as usual */
    if (error.pending)
        return true;        /* a follow-up of the first error in the same call */
    error.pending = true;
    snprintf(error.kind, sizeof error.kind, "%s", kind);
    snprintf(error.message, sizeof error.message, "%s", message);
#ifdef HAVE_LANDING
    /* Only a return into a cell library is swapped: a frame chain that
     * went astray must not have the worker write into a random slot. */
    if (return_slot && *return_slot != (void *)worker_error_landing && in_cell_library(*return_slot)) {
        error.return_address = *return_slot;
        *return_slot = (void *)worker_error_landing;
        return true;
    }
#else
    (void)return_slot;
#endif
    /* No way back to the cell's call: stop right here instead. */
    worker_unwind(CELL_RUNTIME_ERROR, 0);
}

void worker_errors_reset(void)
{
    memset(&error, 0, sizeof error);
}

void worker_errors_describe(json_t *done)
{
    json_object_set_new(done, "ename", json_string(error.pending ? error.kind : "RuntimeError"));
    json_object_set_new(done, "evalue", json_string(error.message));
    json_object_set_new(done, "runtime_error", json_true());
    Dl_info info;
    if (error.return_address && dladdr(error.return_address, &info) && info.dli_fname &&
        strstr(info.dli_fname, "/cell_")) {
        /* A return address points after the call instruction. */
        uintptr_t offset = (uintptr_t)error.return_address - (uintptr_t)info.dli_fbase - 1;
        json_object_set_new(done, "library", json_string(info.dli_fname));
        json_object_set_new(done, "offset", json_integer((json_int_t)offset));
    }
    worker_errors_reset();
}
