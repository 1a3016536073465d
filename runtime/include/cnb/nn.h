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
/* sequential(flatten(), linear(784, 256), relu(), ...): takes ownership of the layers. */
#define sequential(...) sequential_list((Layer *[]){__VA_ARGS__, NULL})
Model *sequential_list(Layer *const *layers);
void model_free(Model *model);

Model *model_to(Model *model, Device device);
Device model_device(const Model *model);
void model_train(Model *model);               /* training mode (dropout active) */
void model_eval(Model *model);                /* evaluation mode */
bool model_is_training(const Model *model);

Tensor *model_forward(Model *model, const Tensor *input);
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
void loss_free(Loss *loss);

/* ---- optimizers ---- */
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
