// SPDX-License-Identifier: BSD-3-Clause
/* Errors are messages, not crashes: print once, remember for the caller,
 * and let a host (the notebook kernel) end the cell at the call. */
#include "host/error_internal.h"
#include "cnb/host.h"
#include "host/error_attempt.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char last_error[1024];
static _Thread_local CnbErrorKind last_kind;
static bool abort_on_error;
static _Thread_local int attempt_depth;

void cnb_error_attempts_begin(void)
{
    attempt_depth++;
}

void cnb_error_attempts_end(void)
{
    if (attempt_depth > 0)
        attempt_depth--;
}

const char *cnb_last_error(void)
{
    return last_error;
}

CnbErrorKind cnb_last_error_kind(void)
{
    return last_kind;
}

void cnb_clear_error(void)
{
    last_error[0] = '\0';
    last_kind = CNB_RUNTIME_ERROR;
}

void cnb_abort_on_error(bool on)
{
    abort_on_error = on;
}

const char *cnb_error_kind_name(CnbErrorKind kind)
{
    static const char *const names[] = {
        [CNB_RUNTIME_ERROR] = "RuntimeError", [CNB_VALUE_ERROR] = "ValueError",
        [CNB_SHAPE_ERROR] = "ShapeError", [CNB_DATASET_ERROR] = "DatasetError",
        [CNB_CHECKPOINT_ERROR] = "CheckpointError", [CNB_DEVICE_ERROR] = "DeviceError",
        [CNB_MEMORY_ERROR] = "MemoryError",
    };
    return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "RuntimeError";
}

static bool starts_with_any(const char *text, const char *const *prefixes)
{
    for (; *prefixes; prefixes++)
        if (strncmp(text, *prefixes, strlen(*prefixes)) == 0)
            return true;
    return false;
}

/* The area of the API a function belongs to names the kind of its errors. */
static CnbErrorKind kind_of(const char *function, const char *message)
{
    static const char *const checkpoint[] = {"model_load", "model_save", NULL};
    static const char *const dataset[] = {"dataset", "dataloader", "mnist", "fashion_mnist", "idx",
                                          "download", "random_split", "subset", "custom_dataset",
                                          "compose", "normalize", "to_tensor", "random_rotation",
                                          "transform", "next_batch", NULL};
    static const char *const device[] = {"cuda", "model_to", "tensor_to", "set_float32", NULL};
    if (strstr(message, "out of memory"))
        return CNB_MEMORY_ERROR;
    size_t n = strlen(message);
    if (n >= 8 && strcmp(message + n - 8, " is NULL") == 0)
        return CNB_VALUE_ERROR;
    if (starts_with_any(function, checkpoint))
        return CNB_CHECKPOINT_ERROR;
    if (starts_with_any(function, dataset))
        return CNB_DATASET_ERROR;
    if (starts_with_any(function, device))
        return CNB_DEVICE_ERROR;
    return CNB_RUNTIME_ERROR;
}

/* True for an address in libcnb or one of its plugins. */
static bool in_runtime(const void *address)
{
    static Dl_info self;
    if (!self.dli_fbase && !dladdr((const void *)cnb_error, &self))
        return false;
    Dl_info info;
    if (!dladdr(address, &info))
        return false;
    const char *base = info.dli_fname ? strrchr(info.dli_fname, '/') : NULL;
    base = base ? base + 1 : info.dli_fname;
    return info.dli_fbase == self.dli_fbase || (base && strncmp(base, "libcnb", 6) == 0);
}

/* The stack slot that holds the return address from the runtime into its
 * caller: the runtime is built with frame pointers, so the chain of
 * frames leads there.  NULL when the chain is not what it should be. */
static void **return_slot_of_caller(void)
{
    void **frame = __builtin_frame_address(0);
    for (int depth = 0; frame && depth < 64; depth++) {
        void *return_address = frame[1];
        if (!return_address)
            return NULL;
        if (!in_runtime(return_address))
            return &frame[1];
        void **next = frame[0];
        if (next <= frame || (uintptr_t)next - (uintptr_t)frame > (1u << 24))
            return NULL;
        frame = next;
    }
    return NULL;
}

static int report(CnbErrorKind kind, const char *function, const char *format, va_list args)
{
    char message[900];
    vsnprintf(message, sizeof message, format, args);
    if (kind == CNB_RUNTIME_ERROR)
        kind = kind_of(function, message);
    snprintf(last_error, sizeof last_error, "%s: %s", function, message);
    last_kind = kind;
    const CnbHost *host = cnb_host();
    if (host && host->runtime_error && attempt_depth == 0 &&
        host->runtime_error(cnb_error_kind_name(kind), last_error, return_slot_of_caller()))
        return -1;      /* the host reports it, when the call has returned */
    fprintf(stderr, "cnb: %s\n", last_error);
    fflush(stderr);
    if (abort_on_error && attempt_depth == 0)
        abort();
    return -1;
}

__attribute__((noinline)) int cnb_error(const char *function, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int rc = report(CNB_RUNTIME_ERROR, function, format, args);
    va_end(args);
    return rc;
}

__attribute__((noinline)) int cnb_error_of(CnbErrorKind kind, const char *function, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int rc = report(kind, function, format, args);
    va_end(args);
    return rc;
}
