// SPDX-License-Identifier: BSD-3-Clause
/* Every runtime object (Tensor, Model, Dataset, ...) starts with an
 * ObjectHeader whose check word says what it is and whether it lives.
 * *_free poisons the word and puts the struct on a shelf (its contents go
 * at once, the struct's memory only after OBJECT_SHELF_SIZE more frees of
 * its kind), so a freed object's word stays readable and its address is
 * not handed out again to an object that would look alive.  Each public
 * entry point asks object_dead first and refuses, as a ValueError, an
 * object that was freed: "this Model was already freed". */
#ifndef CNB_HOST_OBJECT_H
#define CNB_HOST_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ObjectKind {
    OBJECT_TENSOR,
    OBJECT_MODEL,
    OBJECT_LAYER,
    OBJECT_LOSS,
    OBJECT_OPTIMIZER,
    OBJECT_SCHEDULER,
    OBJECT_DATASET,
    OBJECT_DATALOADER,
    OBJECT_TRANSFORM,
    OBJECT_GENERATOR,
    OBJECT_PROGRESS,
    OBJECT_BUNDLE,
    OBJECT_KINDS
} ObjectKind;

typedef struct ObjectHeader {
    uint32_t check;
} ObjectHeader;

/* How many freed structs of each kind are kept before the oldest goes
 * back to malloc. */
#define OBJECT_SHELF_SIZE 1024

/* The check words: a live object of a kind, and one freed. */
#define OBJECT_ALIVE_WORD(kind) (0x4c1f0000u + (uint32_t)(kind))
#define OBJECT_FREED_WORD(kind) (0xdead0000u + (uint32_t)(kind))
/* For an object defined statically (the default generator). */
#define OBJECT_HEADER_ALIVE(kind) { .check = OBJECT_ALIVE_WORD(kind) }

/* Marks a new object (calloc'd, header first) alive. */
static inline void object_init(void *object, ObjectKind kind)
{
    ((ObjectHeader *)object)->check = OBJECT_ALIVE_WORD(kind);
}

/* The user's handle to an object is gone, though the runtime still holds
 * the object (a dataset that a loader keeps): its word says freed. */
static inline void object_mark_freed(void *object, ObjectKind kind)
{
    ((ObjectHeader *)object)->check = OBJECT_FREED_WORD(kind);
}

/* The name of a kind as the user's code spells the type: "Model". */
const char *object_kind_name(ObjectKind kind);

/* Reports why object is not a live kind (a ValueError naming function);
 * returns true. */
bool object_report_dead(const void *object, ObjectKind kind, const char *function);

/* True, with the error reported, when object is not NULL and not a live
 * object of that kind (NULL is left to the caller's own check). */
static inline bool object_dead(const void *object, ObjectKind kind, const char *function)
{
    return object && __builtin_expect(((const ObjectHeader *)object)->check !=
                                      OBJECT_ALIVE_WORD(kind), 0) &&
           object_report_dead(object, kind, function);
}

/* Whether object (not NULL) is a live object of that kind, quietly. */
static inline bool object_alive(const void *object, ObjectKind kind)
{
    return ((const ObjectHeader *)object)->check == OBJECT_ALIVE_WORD(kind);
}

/* Instead of free(object) for a struct of size bytes, once its contents
 * are released: poisons the check word and shelves the struct. */
void object_retire(void *object, size_t size, ObjectKind kind);

#endif
