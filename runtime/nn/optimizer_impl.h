// SPDX-License-Identifier: BSD-3-Clause
/* The struct behind Optimizer: the model it updates, per-parameter state. */
#ifndef CNB_NN_OPTIMIZER_IMPL_H
#define CNB_NN_OPTIMIZER_IMPL_H

#include "nn/model_impl.h"

typedef enum OptimizerKind { OPTIMIZER_ADAM, OPTIMIZER_SGD } OptimizerKind;

struct Optimizer {
    ObjectHeader header;          /* first: the check word (host/object.h) */
    OptimizerKind kind;
    Model *model;
    AdamOptions adam;
    SgdOptions sgd;
    long step;                    /* steps taken (Adam's bias correction) */
    float **state1;               /* Adam: exp_avg;    SGD: momentum buffer */
    float **state2;               /* Adam: exp_avg_sq */
    bool has_momentum;            /* SGD: buffers exist after the first step */
    /* on CUDA: the states in flat device blocks laid out as the model's
     * flat parameters, NULL where the host's is (optimizer_cuda.c);
     * state_device says where the current state is, so a model moved
     * between steps takes it along */
    float *device_state1, *device_state2;
    Device state_device;
};

/* True, with a ValueError naming function, for a freed optimizer (NULL
 * passes); with its model, also for an optimizer whose model was freed
 * (which is still shelved: host/object.h). */
static inline bool optimizer_dead(const Optimizer *opt, const char *function)
{
    return object_dead(opt, OBJECT_OPTIMIZER, function);
}
bool optimizer_model_dead(const Optimizer *opt, const char *function);

Optimizer *optimizer_alloc(const char *function, OptimizerKind kind, Model *model, int states);
void adam_step(Optimizer *optimizer);
/* Brings the optimizer's state to the model's device; 0 or -1 with a
 * message (out of device memory). */
int optimizer_state_to_model(Optimizer *optimizer);
void optimizer_cuda_release(Optimizer *optimizer);
void sgd_step(Optimizer *optimizer);

#endif
