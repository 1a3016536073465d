// SPDX-License-Identifier: BSD-3-Clause
/* user_expressions; see user_expressions.h. */
#include "user_expressions.h"

static json_t *error_entry(const char *ename, const char *evalue, json_t *traceback)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "status", "error", "ename", ename, "evalue", evalue,
                     "traceback", traceback ? json_incref(traceback) : json_array());
}

static json_t *evaluate_one(Interpreter *interp, const char *expression, const ExecuteSink *sink)
{
    if (!expression)
        return error_entry("TypeError", "a user expression must be a string", NULL);
    ExecuteOutcome outcome = {0};
    json_t *entry;
    if (interpreter_evaluate(interp, expression, sink, &outcome) != 0)
        entry = error_entry("KernelError", "the interpreter failed to evaluate the expression", NULL);
    else if (outcome.status != EXECUTE_OK)
        entry = error_entry(outcome.ename ? outcome.ename : "Error", outcome.evalue ? outcome.evalue : "",
                            outcome.traceback);
    else
        entry = json_pack("{s:s, s:o, s:o}", "status", "ok", "data",
                          outcome.result_data ? json_incref(outcome.result_data) : json_object(), "metadata",
                          outcome.result_metadata ? json_incref(outcome.result_metadata) : json_object());
    execute_outcome_clear(&outcome);
    return entry;
}

json_t *user_expressions_evaluate(Interpreter *interp, const json_t *expressions, const ExecuteSink *sink)
{
    json_t *results = json_object();
    const char *name;
    json_t *expression;
    json_object_foreach((json_t *)expressions, name, expression)
        json_object_set_new(results, name, evaluate_one(interp, json_string_value(expression), sink));
    return results;
}
