// SPDX-License-Identifier: BSD-3-Clause
/* Layers inside libcnb: the struct behind the opaque Layer, and the
 * operations a Sequential model calls on it.  Not installed.
 *
 * Buffers belong to the model (see model_impl.h); a layer only computes.
 * Elementwise layers (relu, sigmoid, tanh, dropout) and flatten work in
 * place: their output shares the block of their input when the input is a
 * model-owned buffer, and their backward rewrites the incoming gradient in
 * place, so a whole MLP needs one activation and one gradient buffer per
 * linear layer and nothing else. */
#ifndef CNB_NN_LAYER_H
#define CNB_NN_LAYER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cnb/nn.h"
#include "core/tensor_impl.h"
#include "cuda/activation_math.cuh"

typedef enum LayerKind {
    LAYER_FLATTEN, LAYER_LINEAR, LAYER_RELU, LAYER_SIGMOID, LAYER_TANH, LAYER_DROPOUT,
    LAYER_CONV2D, LAYER_MAX_POOL2D, LAYER_AVG_POOL2D, LAYER_BATCH_NORM, LAYER_DROPOUT2D
} LayerKind;

/* Activations a linear layer can apply itself, in the same pass as its
 * bias, when it is followed by one (the activation layer then does nothing).
 * The values are the codes of cuda/activation_math.cuh, which the plugin's
 * kernels take. */
typedef enum Activation {
    ACT_NONE = 0, ACT_RELU = CNB_ACTIVATION_RELU, ACT_SIGMOID = CNB_ACTIVATION_SIGMOID,
    ACT_TANH = CNB_ACTIVATION_TANH
} Activation;

/* The CNN layers' loops over feature maps, built for AVX-512, AVX2 and
 * plain x86-64, chosen at load time (as core/vector_ops.c's). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#define LAYER_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", \
                                                         "default")))
#else
#define LAYER_VECTOR_CLONES
#endif

typedef struct SparseInput SparseInput;    /* linear_sparse.c */

struct Layer {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    LayerKind kind;
    bool in_model;                /* owned by a model already */
    /* linear */
    int in_features, out_features;
    Tensor *weight, *bias;        /* [out, in], [out] */
    Tensor *grad_weight, *grad_bias;
    Activation fused;             /* applied by this linear layer */
    bool fused_away;              /* an activation a linear layer applies */
    bool takes_model_input;       /* the model's first linear layer (sparse path) */
    SparseInput *sparse_train;    /* the sparse path: nonzeros of the training input */
    SparseInput *sparse_predict;  /* and of a no-grad input */
    /* dropout */
    float p;
    Tensor *mask;                 /* 0 or 1/(1-p) per element of the last batch */
    bool mask_active;             /* the last forward dropped (training mode) */
    /* conv2d (weight [out, in, k, k], bias [out] or NULL), max/avg pooling */
    int in_channels, out_channels, kernel, stride, padding;
    bool same_padding;            /* padding='same' (padding holds (k-1)/2) */
    float *work;                  /* conv2d: the threads' im2col blocks */
    size_t work_size;             /* floats in work */
    int32_t *argmax;              /* max pooling: input index per output (training) */
    size_t argmax_size;
    /* batch norm (weight, bias as above): over dimension 1 of [N, C, ...] */
    int num_features, norm_dims;  /* norm_dims: 1 (BatchNorm1d) or 2 (BatchNorm2d) */
    double eps, momentum;
    Tensor *running_mean, *running_var;
    int64_t num_batches_tracked;
    float *saved_mean, *saved_invstd;   /* per channel, of the last forward */
    bool batch_stats;             /* the last forward normalised with the batch's */
};

Layer *layer_alloc(const char *function, LayerKind kind);
void layer_free(Layer *layer);
const char *layer_type_name(const Layer *layer);   /* "Linear", "ReLU", ... */
void layer_describe(const Layer *layer, FILE *out); /* "Linear(in_features=...)" */
bool layer_is_elementwise(const Layer *layer);      /* output shape = input shape */
Activation layer_activation(const Layer *layer);    /* ACT_NONE if not one */

/* Output shape for an input shape; -1 with a message naming the layer. */
int layer_output_shape(const Layer *layer, int index, const Tensor *input,
                       int shape[CNB_MAX_DIMS], int *ndim);

/* Linear: out = act(in W^T + b); in is [B, in_features].  training: a
 * backward will follow (the sparse path keeps the input's nonzeros for it). */
void linear_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
/* grad_out: dL/d(layer output) [B, out], rewritten in place into the
 * gradient before the fused activation.  Accumulates (or, when
 * first_accumulation, sets) the parameter gradients; writes grad_in when
 * it is not NULL. */
void linear_backward(Layer *layer, const Tensor *in, const Tensor *out, Tensor *grad_out,
                     Tensor *grad_in, bool first_accumulation);

/* Bias and fused activation on rows x [c0, c1) of y (rows ld apart). */
void linear_epilogue(const Layer *layer, float *y, int ld, int rows, int c0, int c1);

/* The sparse-input path (linear_sparse.c).  linear_sparse_forward is false
 * when it does not apply (too dense, not eligible, out of memory) and then
 * writes nothing; when true, out holds act(x W^T + b).  For backward,
 * linear_sparse_backward_ready says whether the kept nonzeros serve this
 * input (and prepares their columns); linear_sparse_weight_grad then makes
 * rows [lo, hi) of dW (+)= G^T X, safe to call for disjoint ranges at once. */
bool linear_sparse_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
bool linear_sparse_backward_ready(Layer *layer, const Tensor *in);
void linear_sparse_weight_grad(Layer *layer, const float *grad_out, int lo, int hi,
                               bool first_accumulation);
void sparse_input_free(SparseInput *sparse);

/* Elementwise activations on n values (in may equal out). */
void activation_forward(Activation act, const float *in, float *out, size_t n);
/* grad *= act'(x), written in terms of the activation's output y. */
void activation_backward(Activation act, const float *y, float *grad, size_t n);

/* Dropout: in training, zeroes each value with probability p and scales
 * the rest by 1/(1-p) (the mask is kept for backward); in eval, copies. */
int dropout_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
void dropout_backward(Layer *layer, Tensor *grad);

/* The layers of a CNN, on NCHW float arrays (one file each).  Forward
 * writes out (shaped by layer_output_shape); backward takes dL/dout and
 * writes dL/din when grad_in is not NULL, and accumulates (or, when
 * first_accumulation, sets) the parameter gradients.  -1 with a message
 * only when out of memory. */
int conv2d_forward(Layer *layer, const Tensor *in, Tensor *out);
int conv2d_backward(Layer *layer, const Tensor *in, const Tensor *grad_out, Tensor *grad_in,
                    bool first_accumulation);
/* training: keep what backward needs (the max pool's argmax). */
int pool2d_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
/* in and out: the forward's input and output (2x2 max pooling reads them). */
void pool2d_backward(const Layer *layer, const Tensor *in, const Tensor *out,
                     const Tensor *grad_out, Tensor *grad_in);
/* training: batch statistics (and running statistics updated), else the
 * running ones. */
int batch_norm_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
void batch_norm_backward(const Layer *layer, const Tensor *in, const Tensor *grad_out,
                         Tensor *grad_in, bool first_accumulation);
int dropout2d_forward(Layer *layer, const Tensor *in, Tensor *out, bool training);
void dropout2d_backward(Layer *layer, Tensor *grad);
/* Output shapes of the CNN layers (layer_output_shape calls them). */
int conv2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape, int *ndim);
int pool2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape, int *ndim);
int batch_norm_output_shape(const Layer *layer, int index, const Tensor *in, int *shape,
                            int *ndim);
int dropout2d_output_shape(const Layer *layer, int index, const Tensor *in, int *shape,
                           int *ndim);
void layer_shape_text(const Tensor *t, char *text, size_t size);

#endif
