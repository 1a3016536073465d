// SPDX-License-Identifier: BSD-3-Clause
/* How a cell's run ended, as the "done" frame tells it (see worker.h):
 * the exception name and value a Python kernel would give, and for faults
 * the cell library and offset the interpreter turns into a line. */
#include "worker.h"
#include "wire/frame.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *fault_description(void)
{
    const WorkerFault *f = worker_last_fault();
    char *text = NULL;
    int rc = -1;
    switch (f->signo) {
    case SIGSEGV:
        if (f->stack_overflow)
            rc = asprintf(&text, "stack overflow (endless recursion?): the cell used up its %zu MiB stack",
                          f->stack_limit >> 20);
        else if (f->address < 4096)
            rc = asprintf(&text, "segmentation fault: NULL pointer dereference (address 0x%jx)",
                          (uintmax_t)f->address);
        else
            rc = asprintf(&text, "segmentation fault: invalid memory access at address 0x%jx",
                          (uintmax_t)f->address);
        break;
    case SIGFPE:
        rc = asprintf(&text, "arithmetic error: %s",
                      f->code == FPE_INTDIV ? "integer division by zero"
                      : f->code == FPE_INTOVF ? "integer overflow"
                      : f->code == FPE_FLTDIV ? "floating-point division by zero"
                      : "floating-point exception");
        break;
    case SIGBUS:
        rc = asprintf(&text, "bus error: misaligned or unmapped memory at address 0x%jx",
                      (uintmax_t)f->address);
        break;
    case SIGILL:
        rc = asprintf(&text, "illegal instruction (__builtin_trap() or undefined behaviour)");
        break;
    case SIGABRT:
        rc = asprintf(&text, "abort() was called (a failed assert() prints why above)");
        break;
    default:
        rc = asprintf(&text, "%s", strsignal(f->signo));
        break;
    }
    return rc < 0 ? NULL : text;
}

/* _FORTIFY_SOURCE's checks end in abort() through __chk_fail; the frames
 * say so (read outside the handler: dladdr is not async-signal-safe). */
static bool fortify_failed(void)
{
    const WorkerFault *f = worker_last_fault();
    for (int i = 0; f->signo == SIGABRT && i < f->frame_count; i++) {
        Dl_info info;
        if (dladdr(f->frames[i], &info) && info.dli_sname &&
            (strcmp(info.dli_sname, "__chk_fail") == 0 || strcmp(info.dli_sname, "__fortify_fail") == 0))
            return true;
    }
    return false;
}

/* An abort() from inside glibc's allocator: malloc_printerr found the heap
 * damaged ("free(): double free detected", "invalid next size").  The cell
 * is unwound, but the heap it leaves cannot be trusted. */
bool worker_fault_in_allocator(void)
{
    static const char *const allocator[] = {"free", "__libc_free", "cfree", "malloc", "__libc_malloc",
                                            "realloc", "__libc_realloc", "calloc", "__libc_calloc",
                                            "reallocarray", NULL};
    const WorkerFault *f = worker_last_fault();
    for (int i = 0; f->signo == SIGABRT && i < f->frame_count; i++) {
        Dl_info info;
        if (!dladdr(f->frames[i], &info) || !info.dli_sname)
            continue;
        for (int k = 0; allocator[k]; k++)
            if (strcmp(info.dli_sname, allocator[k]) == 0)
                return true;
    }
    return false;
}

/* The first frame inside a cell library: where the cell was when it failed. */
static void add_location(json_t *done)
{
    const WorkerFault *f = worker_last_fault();
    for (int i = 0; i < f->frame_count; i++) {
        uintptr_t address = (uintptr_t)f->frames[i];
        Dl_info info;
        if (!dladdr((void *)address, &info) || !info.dli_fname || !strstr(info.dli_fname, "/cell_"))
            continue;
        /* Return addresses point after the call; the faulting pc does not. */
        uintptr_t offset = address - (uintptr_t)info.dli_fbase - (address == f->pc ? 0 : 1);
        json_object_set_new(done, "library", json_string(info.dli_fname));
        json_object_set_new(done, "offset", json_integer((json_int_t)offset));
        if (info.dli_sname)
            json_object_set_new(done, "symbol", json_string(info.dli_sname));
        return;
    }
}

void worker_describe_end(CellEnd end, json_t *done)
{
    const WorkerFault *f = worker_last_fault();
    char *value = NULL;
    char name[32] = "Error";
    switch (end) {
    case CELL_OK:
        return;
    case CELL_EXIT:
        snprintf(name, sizeof name, "SystemExit");
        if (asprintf(&value, "exit(%d) was called in the cell; the kernel keeps running and "
                             "keeps its state", f->exit_status) < 0)
            value = NULL;
        break;
    case CELL_RUNTIME_ERROR:
        worker_errors_describe(done);
        return;
    case CELL_INTERRUPT:
        snprintf(name, sizeof name, "KeyboardInterrupt");
        value = strdup("the cell was interrupted");
        break;
    case CELL_FAULT: {
        const char *abbrev = sigabbrev_np(f->signo);
        bool overflow = fortify_failed();
        if (f->stack_overflow)
            snprintf(name, sizeof name, "StackOverflow");
        else if (overflow)
            snprintf(name, sizeof name, "BufferOverflow");
        else
            snprintf(name, sizeof name, "SIG%s", abbrev ? abbrev : "UNKNOWN");
        value = overflow ? strdup("buffer overflow: a library call (strcpy, memcpy, sprintf...) "
                                  "would have written past the end of its destination")
                         : fault_description();
        add_location(done);
        break;
    }
    }
    json_object_set_new(done, "ename", json_string(name));
    json_object_set_new(done, "evalue", json_string(value ? value : ""));
    free(value);
}

/* The heap is damaged: malloc or free could abort or make it worse, so the
 * "done" frame is written from a stack buffer (why holds only letters,
 * digits and punctuation that JSON need not escape) and the worker ends
 * without touching the heap again; the interpreter replaces it. */
_Noreturn void worker_heap_damaged(const char *why)
{
    char text[512];
    int size = snprintf(text, sizeof text,
                        "{\"op\":\"done\",\"loaded\":false,\"status\":\"error\","
                        "\"heap_damaged\":true,\"ename\":\"HeapCorruption\",\"evalue\":"
                        "\"the cell wrote outside a block it allocated (past the end of a malloc'd "
                        "buffer, or into freed memory): %s\"}", why);
    if (size > 0 && (size_t)size < sizeof text)
        frame_send_text(WORKER_CHANNEL_FD, text, (size_t)size);
    _exit(70);
}
