// SPDX-License-Identifier: BSD-3-Clause
/* Small host data that a launch needs (a batch's item indices and rotation
 * plans) sent up without waiting: copied into pinned host memory, then
 * cudaMemcpyAsync into a device buffer on the default stream, so the host
 * goes on while the GPU still runs the previous step.  A synchronous
 * cudaMemcpy would wait for all queued work first, every batch.
 *
 * A ring of slots: a slot's pinned memory is written again only after its
 * last copy is done (its event), and its device buffer is read by kernels
 * queued before the next copy into it (one stream keeps the order). */
#include "cuda/ops.cuh"
#include "cuda/check.cuh"

#include <cstring>

#define STAGING_SLOTS 4

typedef struct StagingSlot {
    void *pinned, *device;
    size_t capacity;
    cudaEvent_t copied;
} StagingSlot;

static StagingSlot slots[STAGING_SLOTS];
static int next_slot;

static int slot_grow(StagingSlot *s, size_t bytes)
{
    size_t capacity = bytes < 4096 ? 4096 : bytes * 2;
    /* cudaFree waits for the kernels that may still read the old buffer */
    if (s->device && cuda_check(cudaFree(s->device), "cudaFree (staging)") < 0)
        return -1;
    if (s->pinned && cuda_check(cudaFreeHost(s->pinned), "cudaFreeHost (staging)") < 0)
        return -1;
    s->device = s->pinned = nullptr;
    s->capacity = 0;
    if (cuda_check(cudaMallocHost(&s->pinned, capacity), "cudaMallocHost (staging)") < 0 ||
        cuda_check(cudaMalloc(&s->device, capacity), "cudaMalloc (staging)") < 0)
        return -1;
    s->capacity = capacity;
    return 0;
}

void *staging_upload(const void *const *parts, const size_t *sizes, int count)
{
    StagingSlot *s = &slots[next_slot];
    next_slot = (next_slot + 1) % STAGING_SLOTS;
    size_t bytes = 0;
    for (int i = 0; i < count; i++)
        bytes += staging_aligned(sizes[i]);
    if (!s->copied && cuda_check(cudaEventCreateWithFlags(&s->copied, cudaEventDisableTiming),
                                 "cudaEventCreate (staging)") < 0)
        return nullptr;
    if (cuda_check(cudaEventSynchronize(s->copied), "cudaEventSynchronize (staging)") < 0)
        return nullptr;
    if (bytes > s->capacity && slot_grow(s, bytes) < 0)
        return nullptr;
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        memcpy((char *)s->pinned + at, parts[i], sizes[i]);
        at += staging_aligned(sizes[i]);
    }
    if (cuda_check(cudaMemcpyAsync(s->device, s->pinned, bytes, cudaMemcpyHostToDevice, 0),
                   "cudaMemcpyAsync (host to device, staged)") < 0 ||
        cuda_check(cudaEventRecord(s->copied, 0), "cudaEventRecord (staging)") < 0)
        return nullptr;
    return s->device;
}
