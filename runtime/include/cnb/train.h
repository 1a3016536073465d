// SPDX-License-Identifier: BSD-3-Clause
/* Evaluation helpers (predictions, accuracy, confusion matrix) and
 * learning-rate schedules. */
#ifndef CNB_TRAIN_H
#define CNB_TRAIN_H

#include "cnb/tensor.h"
#include "cnb/nn.h"
#include "cnb/data.h"

/* Index of the largest value in each row of output [B, C]; fills predicted[B]. */
int argmax_rows(const Tensor *output, int *predicted);
/* How many rows of output [B, C] have their largest value at target [B]. */
int count_correct(const Tensor *output, const Tensor *target);

/* Loss and accuracy (in percent) of the model over a whole loader, without
 * keeping gradients; leaves the model in evaluation mode. */
typedef struct Evaluation { double loss; double accuracy; int correct, total; } Evaluation;
Evaluation evaluate(Model *model, DataLoader *loader, Loss *loss);

/* counts[truth][prediction], a num_classes x num_classes tensor of counts. */
Tensor *confusion_matrix_new(int num_classes);
void confusion_matrix_add(Tensor *matrix, const Tensor *output, const Tensor *target);
Tensor *confusion_matrix(Model *model, DataLoader *loader, int num_classes);

/* ---- learning rate ---- */
/* The optimizer's current learning rate (param_groups[0]["lr"]), and
 * setting it (the next optimizer_step uses it; lr >= 0, else ValueError). */
double optimizer_lr(const Optimizer *optimizer);
int optimizer_set_lr(Optimizer *optimizer, double lr);

/* torch.optim.lr_scheduler.StepLR: every step_size-th scheduler_step
 * multiplies the optimizer's lr by gamma.  Call scheduler_step once per
 * epoch, after the epoch's optimizer steps:
 *     Scheduler *scheduler = step_lr(optimizer, 10, .gamma = 0.5);
 *     for (int epoch = 0; epoch < 30; epoch++) {
 *         ... train one epoch ...
 *         scheduler_step(scheduler);
 *         printf("lr %g\n", scheduler_last_lr(scheduler));
 *     }
 *     scheduler_free(scheduler);
 * step_size <= 0 or gamma < 0 give ValueError and NULL.  The scheduler
 * does not own the optimizer: keep the optimizer alive while stepping. */
typedef struct Scheduler Scheduler;
typedef struct StepLrOptions {
    double gamma;             /* default 0.1 (0 means the default) */
    int _unused;
} StepLrOptions;
#define step_lr(optimizer, step_size, ...) \
    step_lr_new((optimizer), (step_size), (StepLrOptions){._unused = 0, __VA_ARGS__})
Scheduler *step_lr_new(Optimizer *optimizer, int step_size, StepLrOptions options);
void scheduler_step(Scheduler *scheduler);
/* get_last_lr()[0]: the lr the last scheduler_step set (or found). */
double scheduler_last_lr(const Scheduler *scheduler);
/* last_epoch: 0 after step_lr, +1 per scheduler_step. */
long scheduler_last_epoch(const Scheduler *scheduler);
void scheduler_free(Scheduler *scheduler);

#endif
