// SPDX-License-Identifier: BSD-3-Clause
/* Evaluation helpers: predictions, accuracy, confusion matrix. */
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

#endif
