// SPDX-License-Identifier: BSD-3-Clause
/* A runtime CnbBundle as the Jupyter protocol wants it: a "data" object
 * (MIME type -> text, JSON, or base64 for binary types) and a "metadata"
 * object. */
#ifndef CNB_WORKER_MIME_BUNDLE_H
#define CNB_WORKER_MIME_BUNDLE_H

#include <jansson.h>
#include "cnb/host.h"

/* Sets *data and *metadata to new objects; 0, or -1 when out of memory. */
int mime_bundle_to_json(const CnbBundle *bundle, json_t **data, json_t **metadata);

#endif
