// SPDX-License-Identifier: BSD-3-Clause
/* cnb.h: the cnb runtime, one header for every notebook cell and every program.
 *
 * Read it like the lesson: load a dataset, wrap it in a dataloader, build a
 * model, pick a loss and an optimizer, train, evaluate, draw.  Types are
 * opaque, made with a constructor and released with *_free; an object used
 * or freed again after its *_free is refused ("ValueError: this Model was
 * already freed"), and so is freeing what belongs to another object (a
 * model's output, a compose's transform).  Optional arguments are
 * designated initializers: adam(model, .lr = 0.001).
 *
 * Errors never crash: a bad argument or a missing file prints a clear message
 * (see cnb/error.h) and the call returns NULL, false or -1; every function
 * accepts NULL from a failed call and fails in turn with its own message.
 */
#ifndef CNB_H
#define CNB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "cnb/error.h"
#include "cnb/host.h"
#include "cnb/tensor.h"
#include "cnb/random.h"
#include "cnb/data.h"
#include "cnb/nn.h"
#include "cnb/train.h"
#include "cnb/checkpoint.h"
#include "cnb/display.h"
#include "cnb/plot.h"

/* Representations of runtime objects for a cell's trailing expression. */
CnbBundle *cnb_repr_tensor(const Tensor *tensor);
CnbBundle *cnb_repr_model(const Model *model);
CnbBundle *cnb_repr_dataset(const Dataset *dataset);
CnbBundle *cnb_repr_dataloader(const DataLoader *loader);

/* What the kernel wraps a trailing expression in: picks the representation by type. */
#define cnb_show(x) cnb_show_bundle(_Generic((x),                                   \
    _Bool: cnb_repr_bool, char: cnb_repr_char,                                       \
    signed char: cnb_repr_long, short: cnb_repr_long, int: cnb_repr_long,           \
    long: cnb_repr_long, long long: cnb_repr_long,                                   \
    unsigned char: cnb_repr_ulong, unsigned short: cnb_repr_ulong,                   \
    unsigned int: cnb_repr_ulong, unsigned long: cnb_repr_ulong,                     \
    unsigned long long: cnb_repr_ulong,                                              \
    float: cnb_repr_double, double: cnb_repr_double, long double: cnb_repr_double,   \
    char *: cnb_repr_string, const char *: cnb_repr_string,                          \
    Tensor *: cnb_repr_tensor, const Tensor *: cnb_repr_tensor,                      \
    Model *: cnb_repr_model, const Model *: cnb_repr_model,                          \
    Dataset *: cnb_repr_dataset, const Dataset *: cnb_repr_dataset,                  \
    DataLoader *: cnb_repr_dataloader, const DataLoader *: cnb_repr_dataloader,      \
    default: cnb_repr_pointer)(x))

#endif
