// SPDX-License-Identifier: BSD-3-Clause
/* Checkpoints in the safetensors format, with PyTorch's state_dict names, so a
 * model trained here loads into the lesson's PyTorch MLP and back.  Saving
 * writes a temporary file and renames it: a crash mid-write never destroys the
 * previous checkpoint.  Both return 0, or -1 with a message. */
#ifndef CNB_CHECKPOINT_H
#define CNB_CHECKPOINT_H

#include "cnb/nn.h"

int model_save(const Model *model, const char *path);
int model_load(Model *model, const char *path);

#endif
