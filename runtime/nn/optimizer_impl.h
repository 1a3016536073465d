/* The struct behind Optimizer: the model it updates, per-parameter state. */
#ifndef CNB_NN_OPTIMIZER_IMPL_H
#define CNB_NN_OPTIMIZER_IMPL_H

#include "nn/model_impl.h"

typedef enum OptimizerKind { OPTIMIZER_ADAM, OPTIMIZER_SGD } OptimizerKind;

struct Optimizer {
    OptimizerKind kind;
    Model *model;
    AdamOptions adam;
    SgdOptions sgd;
    long step;                    /* steps taken (Adam's bias correction) */
    float **state1;               /* Adam: exp_avg;    SGD: momentum buffer */
    float **state2;               /* Adam: exp_avg_sq */
    bool has_momentum;            /* SGD: buffers exist after the first step */
};

Optimizer *optimizer_alloc(const char *function, OptimizerKind kind, Model *model, int states);
void adam_step(Optimizer *optimizer);
void sgd_step(Optimizer *optimizer);

#endif
