// SPDX-License-Identifier: BSD-3-Clause
/* Errors: every failing call prints "cnb: <function>: <what is wrong>" to
 * stderr and remembers it, with its kind; the caller gets NULL, false or -1.
 *
 * In a notebook cell a failing call ends the cell instead, as a Python
 * exception does: the call returns (releasing what it had allocated), and
 * the kernel stops the cell right there with an error named by the kind
 * (DatasetError, ShapeError...) and the cell line that made the call.
 *
 * A plain program can choose to stop at the first error too:
 *     cnb_abort_on_error(true);    // print the message, then abort()
 */
#ifndef CNB_ERROR_H
#define CNB_ERROR_H

#include <stdbool.h>

typedef enum CnbErrorKind {
    CNB_RUNTIME_ERROR,      /* "RuntimeError": anything not below */
    CNB_VALUE_ERROR,        /* "ValueError": a NULL, out-of-range or freed argument */
    CNB_SHAPE_ERROR,        /* "ShapeError": tensors whose shapes do not fit */
    CNB_DATASET_ERROR,      /* "DatasetError": datasets, files, downloads, loaders */
    CNB_CHECKPOINT_ERROR,   /* "CheckpointError": model_save and model_load */
    CNB_DEVICE_ERROR,       /* "DeviceError": CUDA and moving between devices */
    CNB_MEMORY_ERROR        /* "MemoryError": out of memory */
} CnbErrorKind;

/* The message of the most recent error in this thread, or "" if none. */
const char *cnb_last_error(void);
CnbErrorKind cnb_last_error_kind(void);
void cnb_clear_error(void);
/* "ShapeError" and so on. */
const char *cnb_error_kind_name(CnbErrorKind kind);

/* Stops the program (abort) at the first error, after its message. */
void cnb_abort_on_error(bool on);

#endif
