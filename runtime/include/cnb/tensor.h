// SPDX-License-Identifier: BSD-3-Clause
/* Tensors: float32, up to 4 dimensions, on a device.
 *
 * Class labels are stored as whole numbers in float tensors (exact up to
 * 2^24), so one element type serves images, activations and targets. */
#ifndef CNB_TENSOR_H
#define CNB_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CNB_MAX_DIMS 4

typedef enum Device { CPU = 0, CUDA = 1 } Device;

/* Whether tensors and models can move to CUDA: the CUDA backend plugin
 * loads (on the first call) and finds a driver and a GPU.  When it does
 * not, tensor_to/model_to(..., CUDA) fail with the reason. */
bool cuda_available(void);
/* The GPU's name ("NVIDIA H200"), as torch.cuda.get_device_name(); NULL
 * with a message saying why when CUDA is not available. */
const char *cuda_get_device_name(void);
const char *device_name(Device device);      /* "cpu", "cuda" */
/* The device in words, with what it has: "cuda (NVIDIA H200, 139.8 GiB,
 * 139.2 GiB free)" or "cpu (16 threads)".  The text stays valid until the
 * next call.  For CUDA when it is not available: "cuda (not available: ...)". */
const char *device_describe(Device device);
/* Prints device_describe(device) and a newline, as print(device) does. */
void device_print(Device device);

typedef struct Tensor Tensor;

/* tensor(2, 3) makes a 2x3 tensor of zeros on the CPU. */
#define tensor(...) tensor_new((int[]){__VA_ARGS__}, \
                               (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)))
Tensor *tensor_new(const int *shape, int ndim);
Tensor *tensor_from_data(const float *data, const int *shape, int ndim);
Tensor *tensor_clone(const Tensor *t);
/* Frees a tensor you made (tensor_new, tensor_clone, dataset_get, ...).
 * One a model, a loss or a loader handed out (an output, a parameter, a
 * loss value, a batch) is theirs: tensor_free refuses it (ValueError). */
void tensor_free(Tensor *t);

int tensor_ndim(const Tensor *t);
int tensor_dim(const Tensor *t, int axis);   /* negative axis counts from the end */
size_t tensor_numel(const Tensor *t);
Device tensor_device(const Tensor *t);
/* Host pointer to the elements (row-major).  For a CUDA tensor, the data is
 * copied to the host first and the pointer stays valid until the next call. */
float *tensor_data(Tensor *t);
const float *tensor_cdata(const Tensor *t);

/* Rows start .. start+length-1 of t (along the first dimension), as
 * torch.narrow(t, 0, start, length): a view sharing t's data, valid while t
 * lives; free it with tensor_free (which leaves t's data alone). */
Tensor *tensor_narrow(Tensor *t, int start, int length);

/* Rows index[0..n) of src, in that order, copied into out (along the
 * first dimension), as torch.index_select(src, 0, index, out=out): out is
 * [n, ...] with src's other dimensions.  Takes a shuffled batch from a
 * dataset held in one tensor; the rows are copied by the compute threads,
 * fetched ahead (they are scattered over memory).  0, or -1 with a
 * message (a wrong shape or an index out of range: out is unchanged). */
int tensor_index_select(Tensor *out, const Tensor *src, const int64_t *index, int n);

/* Gives the tensor a new shape with the same number of elements (in place). */
int tensor_reshape(Tensor *t, const int *shape, int ndim);
void tensor_fill(Tensor *t, float value);

/* Moves the tensor to a device in place; returns it for chaining, or NULL
 * with a message (CUDA not available, out of device memory, a view: move
 * the tensor it views) leaving it where it was. */
Tensor *tensor_to(Tensor *t, Device device);

float tensor_item(const Tensor *t);           /* value of a one-element tensor */
float tensor_get(const Tensor *t, int i0, ...); /* t[i0][i1]... */
double tensor_mean(const Tensor *t);
double tensor_std(const Tensor *t);           /* unbiased, as torch.std */
double tensor_sum(const Tensor *t);
float tensor_max(const Tensor *t);
float tensor_min(const Tensor *t);

/* Readable printing, like PyTorch: tensor([[0.1000, ...]]) with shape. */
void tensor_print(const Tensor *t);
void tensor_fprint(FILE *out, const Tensor *t);

/* Threads of the runtime's compute kernels (training steps, evaluation),
 * as torch.set_num_threads.  The default is CNB_NUM_THREADS, else
 * OPENBLAS_NUM_THREADS or OMP_NUM_THREADS, else the CPUs available (the
 * affinity mask and the cgroup's CPU quota, rounded down; at most
 * 8).  Results are the same on every run with a given count (the work is
 * split statically); for the lesson's 64-row batches they are also the same
 * for every count.  set_num_threads returns -1 (with a message) outside 1..64. */
int set_num_threads(int n);

/* As torch.set_float32_matmul_precision: "highest" (the default) keeps
 * float32 matrix products float32 on the GPU too, so results match the
 * CPU's; "high" (or "medium") lets the GPU use TF32 tensor cores, faster,
 * with a 10-bit mantissa in the products.  No effect on the CPU.  0, or -1
 * with a message for another word. */
int set_float32_matmul_precision(const char *precision);
const char *get_float32_matmul_precision(void);    /* "highest" or "high" */
int get_num_threads(void);

#endif
