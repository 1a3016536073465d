// SPDX-License-Identifier: BSD-3-Clause
/* The Tensor struct, shared by the runtime's own modules (core, nn, data
 * may use the public accessors instead).  Not installed: users see an
 * opaque type.
 *
 * Storage is one contiguous, 64-byte aligned block of float32 in row-major
 * order.  A tensor either owns its block (capacity > 0) or is a view of
 * another tensor's block (flatten, fused layers): views never free. */
#ifndef CNB_CORE_TENSOR_IMPL_H
#define CNB_CORE_TENSOR_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include "cnb/tensor.h"
#include "host/object.h"

/* What produced a tensor, so that loss_backward can find its way back. */
typedef enum TensorOrigin {
    TENSOR_ORIGIN_NONE = 0,
    TENSOR_ORIGIN_MODEL,          /* origin: the Model whose forward made it */
    TENSOR_ORIGIN_LOSS,           /* origin: the Loss whose forward made it */
    TENSOR_ORIGIN_NO_GRAD         /* made by a model without keeping a graph */
} TensorOrigin;

/* Who frees a tensor: the user (tensor_free), or the object that handed
 * it out (a model's output, parameter or gradient, a loss's value, a
 * loader's batch), which frees it with itself; tensor_free refuses those. */
typedef enum TensorOwner {
    TENSOR_OWNER_USER = 0,
    TENSOR_OWNER_MODEL,
    TENSOR_OWNER_LOSS,
    TENSOR_OWNER_LOADER
} TensorOwner;

/* Explains a NaN read from a tensor (see explain_nan below): raises the
 * error the CPU path would have given, or does nothing. */
typedef void (*TensorNanExplainer)(const void *origin);

struct Tensor {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    float *data;                  /* host copy (the only copy on the CPU) */
    size_t numel;
    size_t capacity;              /* floats allocated; 0 for a view */
    int shape[CNB_MAX_DIMS];
    int ndim;
    Device device;
    void *device_data;            /* device block when device == CUDA (a view: into its base's) */
    bool device_borrowed;         /* device_data lies in a block of someone else's (a
                                     model's flat parameter buffer): never freed here */
    TensorOrigin origin_kind;
    void *origin;
    /* Called by tensor_item when it reads a NaN from a CUDA tensor: the
     * layer above that made the tensor (nn's loss) says why, since core
     * knows nothing of it.  NULL: nothing to explain. */
    TensorNanExplainer explain_nan;
    TensorOwner owner;
};

/* Alignment of every owned block: a cache line, also what AVX-512 wants. */
#define CNB_TENSOR_ALIGN 64

/* True, with a ValueError, for a tensor that was freed (NULL passes). */
static inline bool tensor_dead(const Tensor *t, const char *function)
{
    return object_dead(t, OBJECT_TENSOR, function);
}

/* Product of the dimensions; 0 with an error when a shape is invalid. */
int tensor_check_shape(const char *function, const int *shape, int ndim, size_t *numel);
/* Gives t the new shape, growing its block only when needed, so a reused
 * tensor allocates nothing once it has seen its largest shape.  The
 * contents are unspecified afterwards.  0, or -1 with a message. */
int tensor_resize(Tensor *t, const int *shape, int ndim);
/* Makes view share base's block under a new shape (same element count). */
void tensor_view_of(Tensor *view, const Tensor *base, const int *shape, int ndim);
/* A tensor struct with no block yet (a view, or to be resized later). */
Tensor *tensor_empty(void);
/* Marks t (may be NULL) as the owner's, which frees it with tensor_destroy. */
static inline Tensor *tensor_owned_by(Tensor *t, TensorOwner owner)
{
    if (t)
        t->owner = owner;
    return t;
}
/* Frees t whoever owns it: for the owner's own *_free. */
void tensor_destroy(Tensor *t);
bool tensor_same_shape(const Tensor *a, const Tensor *b);

/* A CUDA tensor's device block (tensor_device.c).  alloc gives an owner a
 * device block of its capacity; upload sends the host block to the device,
 * download brings the device block back into the host block; release frees
 * an owner's device block (a view's is its base's).  0, or -1 with a
 * message naming function and the failing CUDA call. */
int tensor_device_alloc(Tensor *t, const char *function);
void tensor_device_release(Tensor *t);
int tensor_device_upload(Tensor *t, const char *function);
int tensor_device_download(const Tensor *t, const char *function);
/* Gives a runtime-owned buffer (activations, gradients, scratch; contents
 * not kept) to a device: its device block goes, and the next
 * tensor_resize makes one where the device needs it. */
void tensor_buffer_to(Tensor *t, Device device);
/* A CUDA tensor whose contents the host is about to overwrite (a loader's
 * batch the user had moved to the GPU): back on the CPU without copying
 * its data back, and its device block kept, so that the next
 * tensor_to(CUDA) only copies up, with no allocation (device.c, beside
 * tensor_to). */
void tensor_forget_device(Tensor *t);

#endif
