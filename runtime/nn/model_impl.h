/* The struct behind Model (a Sequential), shared by the nn files. */
#ifndef CNB_NN_MODEL_IMPL_H
#define CNB_NN_MODEL_IMPL_H

#include "nn/layer.h"

#define MODEL_NAME_MAX 64
#define PARAM_NAME_MAX 48

struct Model {
    char name[MODEL_NAME_MAX];    /* class name shown by model_summary */
    Layer **layers;
    int count;
    int first_trainable;          /* first layer with parameters, -1 if none */
    bool training;
    Device device;

    /* training forward: one tensor per layer, an own block or a view */
    Tensor **outputs;
    Tensor **grads;               /* gradient buffers, used where needed */
    Tensor *grad_top;             /* copy of dL/d(model output) */
    const Tensor *input;          /* input of the last training forward */
    unsigned long generation;     /* counts training forwards */
    bool graph_ready;             /* a training forward happened */
    bool grads_zero;              /* gradients are logically zero (lazy) */

    /* no-grad forward: two blocks used in turn, and per-layer views */
    Tensor *scratch[2];
    Tensor **scratch_views;

    /* parameters in state_dict order */
    int param_count;
    Tensor **params;
    Tensor **param_grads;
    char (*param_names)[PARAM_NAME_MAX];
};

/* Backpropagates dL/d(output of the forward numbered generation). */
int model_backward(Model *model, const Tensor *grad_output, unsigned long generation);
/* Makes lazily-zeroed gradients real zeros (before anyone reads them). */
void model_materialize_grads(Model *model);

#endif
