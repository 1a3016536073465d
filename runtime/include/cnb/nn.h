// SPDX-License-Identifier: BSD-3-Clause
/* Layers, models, losses and optimizers.
 *
 * Tensors returned by model_forward and loss_forward belong to the model or
 * the loss and stay valid until its next forward call, so a training loop
 * allocates nothing and frees nothing:
 *
 *     optimizer_zero_grad(optimizer);
 *     Tensor *output = model_forward(model, batch.data);
 *     Tensor *loss = loss_forward(criterion, output, batch.target);
 *     loss_backward(loss);
 *     optimizer_step(optimizer);
 */
#ifndef CNB_NN_H
#define CNB_NN_H

#include <stdbool.h>
#include <stdio.h>
#include "cnb/tensor.h"

typedef struct Layer Layer;
typedef struct Model Model;
typedef struct Loss Loss;
typedef struct Optimizer Optimizer;

/* ---- layers ---- */
Layer *flatten(void);
/* Weights and bias drawn as PyTorch's nn.Linear does (kaiming-uniform,
 * bound 1/sqrt(in_features)) from the default generator. */
Layer *linear(int in_features, int out_features);
Layer *relu(void);
Layer *sigmoid(void);
Layer *tanh_layer(void);
Layer *dropout(float p);

/* ---- convolutional layers (tensors are NCHW: [batch, channels, height, width]) ---- */
/* Options left out take PyTorch's defaults (stride 1, padding 0, a bias).
 * .padding = PADDING_SAME is PyTorch's padding='same' (odd kernels, stride 1). */
#define PADDING_SAME (-1)
typedef struct Conv2dOptions {
    int stride, padding;
    bool bias;
    int _unused;
} Conv2dOptions;
typedef struct Pool2dOptions {
    int stride;               /* default kernel_size */
    int padding;
    int _unused;
} Pool2dOptions;
typedef struct BatchNormOptions {
    double eps;               /* default 1e-5 */
    double momentum;          /* default 0.1 */
    int _unused;
} BatchNormOptions;
/* .bias = true is set before the caller's options, which may override it
 * (a GNU statement expression, so that the override draws no warning). */
#define conv2d(in_channels, out_channels, kernel_size, ...) ({ \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"") \
    Layer *cnb_conv2d_ = conv2d_new((in_channels), (out_channels), (kernel_size), \
                                    (Conv2dOptions){.bias = true, __VA_ARGS__}); \
    _Pragma("GCC diagnostic pop") cnb_conv2d_; })
#define max_pool2d(kernel_size, ...) \
    max_pool2d_new((kernel_size), (Pool2dOptions){._unused = 0, __VA_ARGS__})
#define avg_pool2d(kernel_size, ...) \
    avg_pool2d_new((kernel_size), (Pool2dOptions){._unused = 0, __VA_ARGS__})
#define batch_norm2d(num_features, ...) \
    batch_norm2d_new((num_features), (BatchNormOptions){._unused = 0, __VA_ARGS__})
#define batch_norm1d(num_features, ...) \
    batch_norm1d_new((num_features), (BatchNormOptions){._unused = 0, __VA_ARGS__})
/* Weights drawn as nn.Conv2d does (kaiming-uniform, bound 1/sqrt(fan_in),
 * fan_in = in_channels * k * k), then the bias, from the default generator. */
Layer *conv2d_new(int in_channels, int out_channels, int kernel_size, Conv2dOptions options);
Layer *max_pool2d_new(int kernel_size, Pool2dOptions options);
Layer *avg_pool2d_new(int kernel_size, Pool2dOptions options);   /* count_include_pad */
/* Batch statistics in training (running ones updated with the unbiased
 * variance), running statistics in evaluation; weight 1, bias 0. */
Layer *batch_norm2d_new(int num_features, BatchNormOptions options);   /* [N, C, H, W] */
Layer *batch_norm1d_new(int num_features, BatchNormOptions options);   /* [N, C] or [N, C, L] */
/* Zeroes whole channels of [N, C, H, W] with probability p. */
Layer *dropout2d(float p);

/* ---- models ---- */
/* sequential(flatten(), linear(784, 256), relu(), ...): takes ownership of
 * the layers (also when it fails: a NULL layer, from a failed constructor,
 * fails the whole model).  The parameters are named as in a PyTorch class
 * that keeps the Sequential in self.layers: "layers.1.weight", ... */
#define sequential(...) sequential_array((Layer *[]){__VA_ARGS__}, \
        sizeof((Layer *[]){__VA_ARGS__}) / sizeof(Layer *))
Model *sequential_array(Layer *const *layers, size_t count);
Model *sequential_list(Layer *const *layers);  /* NULL-terminated */
void model_free(Model *model);
/* The class name model_summary shows (default "Model"), e.g. "MNISTClassifier". */
void model_set_name(Model *model, const char *name);
const char *model_name(const Model *model);

Model *model_to(Model *model, Device device);
Device model_device(const Model *model);
void model_train(Model *model);               /* training mode (dropout active) */
void model_eval(Model *model);                /* evaluation mode */
bool model_is_training(const Model *model);

/* Forward pass that keeps what backward needs.  The input must stay valid
 * until loss_backward (a dataloader's batch does). */
Tensor *model_forward(Model *model, const Tensor *input);
/* Forward pass without gradients, as under torch.no_grad(): keeps nothing
 * for backward and leaves a pending training step alone.  The output
 * belongs to the model and stays valid until the next model_predict. */
Tensor *model_predict(Model *model, const Tensor *input);
/* The same, stopping after layer layer_index (0 is the first, as in
 * "layers.0.weight"): that layer's output, e.g. a convolution's feature
 * maps before the ReLU that follows it.  Valid until the next predict;
 * a layer_index that is not a layer gives ValueError and NULL. */
Tensor *model_predict_until(Model *model, const Tensor *input, int layer_index);
/* Sets the gradients to zero (what optimizer_zero_grad does). */
void model_zero_grad(Model *model);
size_t model_parameter_count(const Model *model);
/* Like print(model) in PyTorch, plus the parameter count:
 * model_summary(model).  With the shape of one input (without the batch
 * dimension), also each layer's output shape and parameter count, as
 * torchsummary prints them: model_summary(model, 1, 28, 28). */
#define model_summary(...) model_summary_dims(__VA_ARGS__, -1)
void model_summary_dims(const Model *model, ...);        /* sizes, then -1 */
void model_fprint(FILE *out, const Model *model);
/* The per-layer table for an input of shape [1, dims...]; 0 or -1 with a
 * ShapeError naming the layer that does not fit. */
int model_fprint_shapes(FILE *out, const Model *model, const int *dims, int ndim);

/* Parameters in state_dict order: "layers.1.weight", "layers.1.bias", ... */
int model_parameter_tensors(const Model *model);              /* how many */
Tensor *model_parameter(Model *model, int i, const char **name);
Tensor *model_gradient(Model *model, int i);

/* ---- losses ---- */
Loss *cross_entropy_loss(void);             /* mean over the batch, numerically stable */
Tensor *loss_forward(Loss *loss, Tensor *output, const Tensor *target);
/* Backpropagates from the loss through the model that made its input. */
void loss_backward(Tensor *loss_value);
/* dL/d(loss input) of the last loss_backward, [batch, classes]. */
const Tensor *loss_input_grad(const Loss *loss);
void loss_free(Loss *loss);

/* ---- optimizers ---- */
/* Options left out (0) take PyTorch's defaults. */
typedef struct AdamOptions {
    double lr;                /* default 0.001 */
    double beta1, beta2;      /* default 0.9, 0.999 */
    double eps;               /* default 1e-8 */
    double weight_decay;      /* default 0 */
    int _unused;
} AdamOptions;
typedef struct SgdOptions {
    double lr;                /* required */
    double momentum;
    double weight_decay;
    bool nesterov;
    double dampening;         /* default 0 */
    int _unused;
} SgdOptions;
#define adam(model, ...) adam_new((model), (AdamOptions){._unused = 0, __VA_ARGS__})
#define sgd(model, ...) sgd_new((model), (SgdOptions){._unused = 0, __VA_ARGS__})
Optimizer *adam_new(Model *model, AdamOptions options);
Optimizer *sgd_new(Model *model, SgdOptions options);
void optimizer_zero_grad(Optimizer *optimizer);
void optimizer_step(Optimizer *optimizer);
void optimizer_free(Optimizer *optimizer);

#endif
