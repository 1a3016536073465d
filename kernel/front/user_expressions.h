// SPDX-License-Identifier: BSD-3-Clause
/* The execute request's user_expressions: evaluated after a cell that
 * succeeded, each answered with its own status, as the messaging spec's
 * execute_reply says.  A bad expression is an error entry, never a
 * failed cell. */
#ifndef CNB_FRONT_USER_EXPRESSIONS_H
#define CNB_FRONT_USER_EXPRESSIONS_H

#include <jansson.h>

#include "interpreter/interpreter.h"

/* name -> {"status": "ok", "data", "metadata"} or {"status": "error",
 * "ename", "evalue", "traceback"}; a new object (empty when expressions
 * is not an object).  Output the expressions print goes to sink. */
json_t *user_expressions_evaluate(Interpreter *interp, const json_t *expressions, const ExecuteSink *sink);

#endif
