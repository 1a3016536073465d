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
/* Sets the gradients to zero (what optimizer_zero_grad does). */
void model_zero_grad(Model *model);
size_t model_parameter_count(const Model *model);
/* Like print(model) in PyTorch, plus the parameter count. */
void model_summary(const Model *model);
void model_fprint(FILE *out, const Model *model);

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
