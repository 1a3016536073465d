// SPDX-License-Identifier: BSD-3-Clause
/* Tensors: creation, shape, element access.  A CUDA tensor has a device
 * block besides its host block (tensor_device.c); tensor_to is in device.c. */
#include "core/tensor_impl.h"
#include "host/error_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Tensors larger than this are surely a mistake (shape typo), not a model. */
#define CNB_TENSOR_MAX_ELEMENTS ((size_t)1 << 34)

int tensor_check_shape(const char *function, const int *shape, int ndim, size_t *numel)
{
    if (ndim < 0 || ndim > CNB_MAX_DIMS)
        return cnb_error(function, "%d dimensions; a tensor has 0 to %d", ndim, CNB_MAX_DIMS);
    if (ndim > 0 && !shape)
        return cnb_error(function, "shape is NULL");
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return cnb_error(function, "dimension %d has negative size %d", i, shape[i]);
        n *= (size_t)shape[i];
        if (n > CNB_TENSOR_MAX_ELEMENTS)
            return cnb_error(function, "shape too large (more than 2^34 elements)");
    }
    *numel = n;
    return 0;
}

static float *block_alloc(size_t count)
{
    size_t bytes = count * sizeof(float);
    bytes = (bytes + CNB_TENSOR_ALIGN - 1) / CNB_TENSOR_ALIGN * CNB_TENSOR_ALIGN;
    if (bytes == 0)
        bytes = CNB_TENSOR_ALIGN;
    return aligned_alloc(CNB_TENSOR_ALIGN, bytes);
}

Tensor *tensor_empty(void)
{
    Tensor *t = calloc(1, sizeof *t);
    if (!t)
        cnb_error("tensor_new", "out of memory");
    else
        object_init(t, OBJECT_TENSOR);
    return t;
}

static void set_shape(Tensor *t, const int *shape, int ndim, size_t numel)
{
    t->ndim = ndim;
    for (int i = 0; i < CNB_MAX_DIMS; i++)
        t->shape[i] = i < ndim ? shape[i] : 1;
    t->numel = numel;
}

static int resize_host(Tensor *t, const int *shape, int ndim)
{
    size_t numel;
    if (tensor_check_shape("tensor_resize", shape, ndim, &numel) < 0)
        return -1;
    if (numel > t->capacity || (t->capacity == 0 && t->data)) {
        /* A view being resized gets its own block: never write into a base. */
        float *block = block_alloc(numel);
        if (!block)
            return cnb_error("tensor_resize", "out of memory for %zu floats", numel);
        if (t->capacity)
            free(t->data);
        t->data = block;
        t->capacity = numel ? numel : 1;
    } else if (!t->data) {
        t->data = block_alloc(numel);
        if (!t->data)
            return cnb_error("tensor_resize", "out of memory for %zu floats", numel);
        t->capacity = numel ? numel : 1;
    }
    set_shape(t, shape, ndim, numel);
    return 0;
}

/* tensor_resize for a tensor on either device.  A device block has the
 * host block's capacity: when the host block changed (it grew, or a view
 * got a block of its own), the old device block goes (a view's was its
 * base's) and a CUDA tensor gets a new one; a CPU tensor's kept block
 * (tensor_forget_device) just goes. */
static int resize_on_device(Tensor *t, const int *shape, int ndim)
{
    size_t capacity = t->capacity;
    bool was_view = t->capacity == 0;
    if (resize_host(t, shape, ndim) < 0)
        return -1;
    if (!was_view && t->capacity == capacity && (t->device_data || t->device != CUDA))
        return 0;
    if (was_view) {
        t->device_data = NULL;
        t->device_borrowed = false;
    } else {
        tensor_device_release(t);
    }
    return t->device == CUDA ? tensor_device_alloc(t, "tensor_resize") : 0;
}

int tensor_resize(Tensor *t, const int *shape, int ndim)
{
    if (!t)
        return cnb_error("tensor_resize", "tensor is NULL");
    return resize_on_device(t, shape, ndim);
}

void tensor_view_of(Tensor *view, const Tensor *base, const int *shape, int ndim)
{
    if (view->capacity) {
        tensor_device_release(view);
        free(view->data);
    }
    view->capacity = 0;
    view->data = base->data;
    view->device = base->device;
    view->device_data = base->device_data;
    set_shape(view, shape, ndim, base->numel);
}

Tensor *tensor_new(const int *shape, int ndim)
{
    size_t numel;
    if (tensor_check_shape("tensor_new", shape, ndim, &numel) < 0)
        return NULL;
    Tensor *t = tensor_empty();
    if (!t)
        return NULL;
    t->data = block_alloc(numel);
    if (!t->data) {
        free(t);
        cnb_error("tensor_new", "out of memory for %zu floats", numel);
        return NULL;
    }
    memset(t->data, 0, numel * sizeof(float));
    t->capacity = numel ? numel : 1;
    set_shape(t, shape, ndim, numel);
    return t;
}

Tensor *tensor_from_data(const float *data, const int *shape, int ndim)
{
    if (!data) {
        cnb_error("tensor_from_data", "data is NULL");
        return NULL;
    }
    Tensor *t = tensor_new(shape, ndim);
    if (t && t->numel)
        memcpy(t->data, data, t->numel * sizeof(float));
    return t;
}

Tensor *tensor_clone(const Tensor *t)
{
    if (tensor_dead(t, "tensor_clone"))
        return NULL;
    if (!t) {
        cnb_error("tensor_clone", "tensor is NULL");
        return NULL;
    }
    Tensor *copy = tensor_from_data(tensor_cdata(t), t->shape, t->ndim);
    if (copy && t->device != CPU)
        tensor_to(copy, t->device);
    return copy;
}

static const char *owner_text(TensorOwner owner)
{
    switch (owner) {
    case TENSOR_OWNER_MODEL:
        return "a Model (an output, a parameter or a gradient) and goes with model_free";
    case TENSOR_OWNER_LOSS:
        return "a Loss (the value of loss_forward) and goes with loss_free";
    case TENSOR_OWNER_LOADER:
        return "a DataLoader (a batch) and goes with dataloader_free";
    default:
        return "the runtime";
    }
}

void tensor_free(Tensor *t)
{
    if (!t || tensor_dead(t, "tensor_free"))
        return;
    if (t->owner != TENSOR_OWNER_USER) {
        cnb_error_of(CNB_VALUE_ERROR, "tensor_free", "this Tensor belongs to %s; free only the "
                     "tensors you made", owner_text(t->owner));
        return;
    }
    tensor_destroy(t);
}

void tensor_destroy(Tensor *t)
{
    if (!t)
        return;
    if (t->capacity) {
        tensor_device_release(t);
        free(t->data);
    }
    object_retire(t, sizeof *t, OBJECT_TENSOR);
}

int tensor_ndim(const Tensor *t)
{
    if (tensor_dead(t, "tensor_ndim"))
        return -1;
    if (!t)
        return cnb_error("tensor_ndim", "tensor is NULL");
    return t->ndim;
}

int tensor_dim(const Tensor *t, int axis)
{
    if (tensor_dead(t, "tensor_dim"))
        return -1;
    if (!t)
        return cnb_error("tensor_dim", "tensor is NULL");
    int a = axis < 0 ? axis + t->ndim : axis;
    if (a < 0 || a >= t->ndim)
        return cnb_error("tensor_dim", "axis %d out of range for a %d-dimensional tensor",
                         axis, t->ndim);
    return t->shape[a];
}

size_t tensor_numel(const Tensor *t)
{
    if (tensor_dead(t, "tensor_numel"))
        return 0;
    return t ? t->numel : 0;
}

bool tensor_same_shape(const Tensor *a, const Tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

float *tensor_data(Tensor *t)
{
    if (tensor_dead(t, "tensor_data"))
        return NULL;
    if (!t) {
        cnb_error("tensor_data", "tensor is NULL");
        return NULL;
    }
    if (t->device == CUDA)        /* on failure: the message, and the last copy */
        tensor_device_download(t, "tensor_data");
    return t->data;
}

const float *tensor_cdata(const Tensor *t)
{
    if (tensor_dead(t, "tensor_cdata"))
        return NULL;
    if (!t) {
        cnb_error("tensor_cdata", "tensor is NULL");
        return NULL;
    }
    if (t->device == CUDA)
        tensor_device_download(t, "tensor_cdata");
    return t->data;
}

Tensor *tensor_narrow(Tensor *t, int start, int length)
{
    if (tensor_dead(t, "tensor_narrow"))
        return NULL;
    if (!t) {
        cnb_error("tensor_narrow", "tensor is NULL");
        return NULL;
    }
    if (t->ndim < 1 || start < 0 || length < 0 || start + length > t->shape[0]) {
        cnb_error("tensor_narrow", "rows %d..%d outside a first dimension of %d", start,
                  start + length - 1, t->ndim ? t->shape[0] : 0);
        return NULL;
    }
    Tensor *view = tensor_empty();
    if (!view)
        return NULL;
    size_t row = t->shape[0] ? t->numel / (size_t)t->shape[0] : 0;
    int shape[CNB_MAX_DIMS];
    memcpy(shape, t->shape, sizeof shape);
    shape[0] = length;
    set_shape(view, shape, t->ndim, row * (size_t)length);
    view->data = t->data + row * (size_t)start;
    view->device = t->device;
    if (t->device_data)
        view->device_data = (float *)t->device_data + row * (size_t)start;
    return view;
}

int tensor_reshape(Tensor *t, const int *shape, int ndim)
{
    if (tensor_dead(t, "tensor_reshape"))
        return -1;
    size_t numel;
    if (!t)
        return cnb_error("tensor_reshape", "tensor is NULL");
    if (tensor_check_shape("tensor_reshape", shape, ndim, &numel) < 0)
        return -1;
    if (numel != t->numel)
        return cnb_error_of(CNB_SHAPE_ERROR, "tensor_reshape", "cannot reshape %zu elements into %zu", t->numel, numel);
    set_shape(t, shape, ndim, numel);
    return 0;
}

void tensor_fill(Tensor *t, float value)
{
    if (tensor_dead(t, "tensor_fill"))
        return;
    if (!t) {
        cnb_error("tensor_fill", "tensor is NULL");
        return;
    }
    for (size_t i = 0; i < t->numel; i++)
        t->data[i] = value;
    if (t->device == CUDA)
        tensor_device_upload(t, "tensor_fill");
}

float tensor_item(const Tensor *t)
{
    if (tensor_dead(t, "tensor_item"))
        return NAN;
    if (!t) {
        cnb_error("tensor_item", "tensor is NULL");
        return NAN;
    }
    if (t->numel != 1) {
        cnb_error_of(CNB_SHAPE_ERROR, "tensor_item", "tensor has %zu elements; item() needs exactly one", t->numel);
        return NAN;
    }
    float value = tensor_cdata(t)[0];
    if (isnan(value) && t->device == CUDA && t->explain_nan)
        t->explain_nan(t->origin);
    return value;
}

float tensor_get(const Tensor *t, int i0, ...)
{
    if (tensor_dead(t, "tensor_get"))
        return NAN;
    if (!t) {
        cnb_error("tensor_get", "tensor is NULL");
        return NAN;
    }
    if (t->ndim == 0)
        return tensor_cdata(t)[0];
    va_list args;
    va_start(args, i0);
    size_t offset = 0;
    int index = i0;
    for (int axis = 0; axis < t->ndim; axis++) {
        if (axis > 0)
            index = va_arg(args, int);
        if (index < 0)
            index += t->shape[axis];
        if (index < 0 || index >= t->shape[axis]) {
            va_end(args);
            cnb_error("tensor_get", "index out of range in dimension %d (size %d)",
                      axis, t->shape[axis]);
            return NAN;
        }
        offset = offset * (size_t)t->shape[axis] + (size_t)index;
    }
    va_end(args);
    return tensor_cdata(t)[offset];
}
