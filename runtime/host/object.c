// SPDX-License-Identifier: BSD-3-Clause
/* The check words of runtime objects and the shelf of freed ones. */
#include "host/object.h"
#include "host/error_internal.h"

#include <pthread.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* A shelved struct's body is off limits (a runtime bug that reads it is
 * still a heap-use-after-free under AddressSanitizer); only its check
 * word stays readable. */
#define SHELF_POISON(object, size) ASAN_POISON_MEMORY_REGION( \
        (char *)(object) + sizeof(ObjectHeader), (size) - sizeof(ObjectHeader))
#define SHELF_UNPOISON(object, size) ASAN_UNPOISON_MEMORY_REGION((object), (size))
#else
#define SHELF_POISON(object, size) ((void)(object), (void)(size))
#define SHELF_UNPOISON(object, size) ((void)(object), (void)(size))
#endif

typedef struct ShelfSlot {
    void *object;
    size_t size;
} ShelfSlot;

/* One ring per kind: a freed struct waits there until OBJECT_SHELF_SIZE
 * later frees of its kind push it out. */
typedef struct Shelf {
    pthread_mutex_t lock;
    ShelfSlot slots[OBJECT_SHELF_SIZE];
    size_t next;
} Shelf;

static Shelf shelves[OBJECT_KINDS] = {
    [0 ... OBJECT_KINDS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER },
};

const char *object_kind_name(ObjectKind kind)
{
    static const char *const names[OBJECT_KINDS] = {
        [OBJECT_TENSOR] = "Tensor", [OBJECT_MODEL] = "Model", [OBJECT_LAYER] = "Layer",
        [OBJECT_LOSS] = "Loss", [OBJECT_OPTIMIZER] = "Optimizer",
        [OBJECT_SCHEDULER] = "Scheduler", [OBJECT_DATASET] = "Dataset",
        [OBJECT_DATALOADER] = "DataLoader", [OBJECT_TRANSFORM] = "Transform",
        [OBJECT_GENERATOR] = "Generator", [OBJECT_PROGRESS] = "Progress",
        [OBJECT_BUNDLE] = "CnbBundle",
    };
    return (unsigned)kind < OBJECT_KINDS ? names[kind] : "object";
}

/* The kind whose live word this is, or OBJECT_KINDS. */
static ObjectKind live_kind_of(uint32_t check)
{
    for (int k = 0; k < OBJECT_KINDS; k++)
        if (check == OBJECT_ALIVE_WORD(k))
            return (ObjectKind)k;
    return OBJECT_KINDS;
}

bool object_report_dead(const void *object, ObjectKind kind, const char *function)
{
    uint32_t check = ((const ObjectHeader *)object)->check;
    const char *name = object_kind_name(kind);
    ObjectKind other = live_kind_of(check);
    if (check == OBJECT_FREED_WORD(kind))
        cnb_error_of(CNB_VALUE_ERROR, function, "this %s was already freed", name);
    else if (other != OBJECT_KINDS)
        cnb_error_of(CNB_VALUE_ERROR, function, "this is a %s, not a %s",
                     object_kind_name(other), name);
    else
        cnb_error_of(CNB_VALUE_ERROR, function, "this is not a %s (it was freed long ago, "
                     "or the pointer does not point at one)", name);
    return true;
}

/* A fork (the kernel's snapshot of its worker) while another thread held
 * a shelf's lock would leave it locked in the child for good: fork takes
 * every lock first, and both sides give them back. */
static void shelves_lock(void)
{
    for (int k = 0; k < OBJECT_KINDS; k++)
        pthread_mutex_lock(&shelves[k].lock);
}

static void shelves_unlock(void)
{
    for (int k = OBJECT_KINDS - 1; k >= 0; k--)
        pthread_mutex_unlock(&shelves[k].lock);
}

static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void install_fork_handlers(void)
{
    pthread_atfork(shelves_lock, shelves_unlock, shelves_unlock);
}

void object_retire(void *object, size_t size, ObjectKind kind)
{
    if (!object)
        return;
    pthread_once(&fork_handlers_once, install_fork_handlers);
    ((ObjectHeader *)object)->check = OBJECT_FREED_WORD(kind);
    Shelf *shelf = &shelves[kind];
    pthread_mutex_lock(&shelf->lock);
    ShelfSlot evicted = shelf->slots[shelf->next];
    shelf->slots[shelf->next] = (ShelfSlot){ object, size };
    shelf->next = (shelf->next + 1) % OBJECT_SHELF_SIZE;
    SHELF_POISON(object, size);
    pthread_mutex_unlock(&shelf->lock);
    if (evicted.object) {
        SHELF_UNPOISON(evicted.object, evicted.size);
        free(evicted.object);
    }
}
