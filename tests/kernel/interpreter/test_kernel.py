# SPDX-License-Identifier: BSD-3-Clause
"""The cell side through the real kernel and jupyter_client: what a
notebook user sees of redefinition, compile errors, faults, exit(),
magics, runtime reprs, completion and inspection.  (Streams, stdin,
interrupts and a crash followed by an earlier variable are in
test_front_execute.py.)"""

import pytest

from front_support import (needs_kernel, drain_iopub, execute, iopub_for, shell_reply, start_kernel,
                           stdout_of, stop_kernel, text_result)

pytestmark = needs_kernel


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def run(kc, code, **kwargs):
    reply, outputs = execute(kc, code, **kwargs)
    return reply["content"], outputs


def error_of(outputs):
    for m in outputs:
        if m["msg_type"] == "error":
            return m["content"]
    return None


def test_redefinition_of_function_and_variable(kernel):
    _, kc = kernel
    run(kc, "int scale(int v) { return 2 * v; }\nint level = 3;")
    assert text_result(run(kc, "scale(level)")[1]) == "6"
    run(kc, "int scale(int v) { return 10 * v; }\ndouble level = 0.5;")
    assert text_result(run(kc, "scale(2) + level")[1]) == "20.5"


def test_late_binding_as_in_a_python_notebook(kernel):
    """The student's bug fix: evaluate() fixed in its own cell is what the
    training function, compiled earlier, calls from then on."""
    _, kc = kernel
    run(kc, "int base(void) { return 1; }")
    run(kc, "int twice(void) { return 2 * base(); }")
    assert text_result(run(kc, "twice()")[1]) == "2"
    run(kc, "int base(void) { return 5; }")
    assert text_result(run(kc, "twice()")[1]) == "10"
    run(kc, "int hits = 1;\nint hits_seen(void) { return hits; }")
    run(kc, "int hits = 41;\nhits++;")
    assert text_result(run(kc, "hits_seen()")[1]) == "42"
    content, outputs = run(kc, "long hits = 7;")
    assert content["status"] == "ok"
    note = stdout_of(outputs, "stderr")
    assert "hits is a new variable of another type" in note and "hits_seen (In[" in note, note


def test_compile_error_has_cell_lines_and_changes_nothing(kernel):
    _, kc = kernel
    run(kc, "int kept = 7;")
    reply, outputs = run(kc, "int kept = 8;\nint broken = kept +;")
    assert reply["status"] == "error" and reply["ename"] == "CompileError"
    error = error_of(outputs)
    assert error and any(":2:" in line and "error" in line for line in error["traceback"])
    assert text_result(run(kc, "kept")[1]) == "7"


@pytest.mark.parametrize("code, ename", [
    ("int nested(int n) { volatile char pad[512]; pad[0] = (char)n; return nested(n + 1) + pad[0]; }\n"
     "nested(0);", "StackOverflow"),
    ("volatile int divisor = 0;\nprintf(\"%d\\n\", 7 / divisor);", "SIGFPE"),
    ("abort();", "SIGABRT"),
    ("exit(2);", "SystemExit"),
], ids=["stack-overflow", "division-by-zero", "abort", "exit"])
def test_faults_are_errors_and_state_survives(kernel, code, ename):
    _, kc = kernel
    run(kc, "int survivor = 99;")
    reply, outputs = run(kc, code)
    assert reply["status"] == "error" and reply["ename"] == ename
    assert error_of(outputs)["ename"] == ename
    assert text_result(run(kc, "survivor")[1]) == "99"


def test_magics(kernel):
    _, kc = kernel
    run(kc, "int counted = 5;")
    assert "per loop (mean" in stdout_of(run(kc, "%timeit counted * 3")[1])
    assert "counted" in stdout_of(run(kc, "%who")[1])
    assert text_result(run(kc, "%lib m\ncbrt(27.0)")[1]) == "3.0"
    reply, _ = run(kc, "%frobnicate")
    assert reply["status"] == "error" and reply["ename"] == "UsageError"


def test_model_is_shown_through_the_runtime_repr(kernel):
    _, kc = kernel
    result = text_result(run(kc, "Model *net = sequential(flatten(), linear(4, 2));\nnet")[1])
    assert result and "Linear" in result


def test_completion_and_inspection_know_earlier_cells(kernel):
    _, kc = kernel
    run(kc, "/** Where a point is. */\nstruct Spot { int row, col; };\nstruct Spot *spot;\n"
            "/** Moves a spot one row down. */\nvoid step(struct Spot *s) { s->row++; }")
    reply = shell_reply(kc, kc.complete("spot->", 6))["content"]
    assert {"row", "col"} <= set(reply["matches"])
    reply = shell_reply(kc, kc.complete("ste", 3))["content"]
    assert "step" in reply["matches"] and reply["cursor_start"] == 0
    reply = shell_reply(kc, kc.inspect("step(spot)", 2))["content"]
    assert reply["found"]
    assert "void step(struct Spot * s)" in reply["data"]["text/plain"]
    assert "Moves a spot one row down." in reply["data"]["text/plain"]


def test_user_expressions_are_evaluated_after_the_cell(kernel):
    """The messaging spec's user_expressions: each evaluated after the cell
    in the state it left, each with its own status; a bad one is an error
    entry and the cell still succeeded."""
    _, kc = kernel
    content, outputs = run(kc, "int apples = 6;", user_expressions={
        "double": "apples * 2",
        "words": "\"pear\"",
        "bad": "apples +",
        "statement": "apples = 100;",
        "fault": "*(volatile int *)0",
    })
    assert content["status"] == "ok"
    results = content["user_expressions"]
    assert results["double"] == {"status": "ok", "data": {"text/plain": "12"}, "metadata": {}}
    assert results["words"]["status"] == "ok" and "pear" in results["words"]["data"]["text/plain"]
    assert results["bad"]["status"] == "error" and results["bad"]["ename"] == "CompileError"
    assert results["statement"]["status"] == "error" and results["statement"]["ename"] == "SyntaxError"
    assert results["fault"]["status"] == "error" and results["fault"]["ename"] == "SIGSEGV"
    assert not [m for m in outputs if m["msg_type"] in ("error", "execute_result")], outputs
    assert text_result(run(kc, "apples")[1]) == "6", "no expression changed the state"
    content, _ = run(kc, "int broken_cell = ;", user_expressions={"double": "apples * 2"})
    assert content["status"] == "error"
    assert content.get("user_expressions", {}) == {}, "none are evaluated after a failed cell"


def test_a_failing_runtime_call_ends_the_cell(kernel):
    """As a Python exception: an error reply named by the kind, the
    runtime's message, the cell line; no later statement runs."""
    _, kc = kernel
    run(kc, "int after_error = 0;")
    reply, outputs = run(kc, 'Dataset *gone = mnist("/nonexistent-cnb-data", .train = true);\n'
                             'after_error = 1;\nprintf("not reached\\n");')
    assert reply["status"] == "error" and reply["ename"] == "DatasetError", reply
    assert reply["evalue"].startswith("mnist: ") and "not found" in reply["evalue"]
    error = error_of(outputs)
    assert error and error["ename"] == "DatasetError"
    assert any("In[" in line and "line 1" in line for line in error["traceback"]), error["traceback"]
    assert "not reached" not in stdout_of(outputs)
    assert "cnb: " not in stdout_of(outputs, "stderr"), "the message is the error, not also stderr"
    assert text_result(run(kc, "after_error")[1]) == "0"


def test_a_freed_runtime_object_ends_the_cell_and_the_state_is_kept(kernel):
    """model_free(m); model_summary(m): a ValueError at that line, as Python
    says of a closed file, instead of garbage and a crash; the rest of the
    cell does not run, the worker and the variables are the same, and a
    second model_free says so too."""
    _, kc = kernel
    run(kc, "Model *freed_net = sequential(flatten(), linear(4, 2));\n"
            "Model *kept_net = sequential(flatten(), linear(4, 3));\nint kept_count = 7;")
    reply, outputs = run(kc, "model_free(freed_net);\nmodel_summary(freed_net);\n"
                             "kept_count = 8;\nprintf(\"not reached\\n\");")
    assert reply["status"] == "error" and reply["ename"] == "ValueError", reply
    assert reply["evalue"] == "model_summary: this Model was already freed"
    error = error_of(outputs)
    assert any("In[" in line and "line 2" in line for line in error["traceback"]), error
    assert stdout_of(outputs) == "", "nothing printed from the freed model"
    assert text_result(run(kc, "kept_count")[1]) == "7", "the state is kept"
    reply, _ = run(kc, "model_free(freed_net);")
    assert reply["status"] == "error" and reply["ename"] == "ValueError"
    assert reply["evalue"] == "model_free: this Model was already freed"
    assert text_result(run(kc, "model_parameter_count(kept_net)")[1]) == "15"
    reply, outputs = run(kc, "freed_net")
    assert reply["status"] == "error" and reply["ename"] == "ValueError", reply
    assert text_result(run(kc, "kept_count")[1]) == "7"


def test_warnings_show_with_the_cells_lines_and_the_cell_runs(kernel):
    _, kc = kernel
    content, outputs = run(kc, "int sign_of_it(int v)\n{\n    if (v > 0)\n        return 1;\n}\n"
                               "printf(\"%d\\n\", 2.5);\nprintf(\"ran\\n\");")
    assert content["status"] == "ok"
    warnings = stdout_of(outputs, "stderr")
    assert "]:5:1: warning: control reaches end of non-void function" in warnings, warnings
    assert "]:6:" in warnings and "-Wformat" in warnings, warnings
    assert stdout_of(outputs).endswith("ran\n")
    content, outputs = run(kc, "%cflags -w\nint quiet_sign(int v) { if (v > 0) return 1; }")
    assert content["status"] == "ok" and stdout_of(outputs, "stderr") == ""


def test_help_line_gives_a_pager_payload(kernel):
    _, kc = kernel
    content, _ = run(kc, "?model_forward")
    assert content["status"] == "ok"
    [page] = content["payload"]
    assert page["source"] == "page" and "model_forward(" in page["data"]["text/plain"]


def test_preprocessor_conditionals_around_code(kernel):
    _, kc = kernel
    content, outputs = run(kc, "#if 0\nprintf(\"hidden\\n\");\nint never_there(void) { return 1; }\n#endif\n"
                               "#ifdef __GNUC__\nprintf(\"shown\\n\");\n#endif")
    assert content["status"] == "ok" and stdout_of(outputs) == "shown\n"
    assert run(kc, "never_there()")[0]["ename"] == "CompileError"


def test_a_runtime_name_is_the_users_to_take(kernel):
    _, kc = kernel
    content, outputs = run(kc, "double evaluate(double x) { return x * 3; }")
    assert content["status"] == "ok", outputs
    assert text_result(run(kc, "evaluate(2.0)")[1]) == "6.0"
    assert text_result(run(kc, "(void *)cnb_evaluate != NULL")[1]) == "1"


def test_read_from_fd_0_asks_for_input(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute('#include <unistd.h>\nchar bytes[32] = {0};\nread(0, bytes, sizeof bytes - 1);\n'
                        'printf("read: %s", bytes);', allow_stdin=True)
    request = kc.get_stdin_msg(timeout=30)
    assert request["msg_type"] == "input_request"
    kc.input("Grace Hopper")
    assert shell_reply(kc, msg_id)["content"]["status"] == "ok"
    assert "read: Grace Hopper\n" in stdout_of(iopub_for(kc, msg_id))


def test_function_pointer_declared_with_a_user_typedef(kernel):
    _, kc = kernel
    run(kc, "typedef int step_t;\ntypedef step_t (*stepper_fn)(step_t);")
    content, outputs = run(kc, "step_t add_one(step_t v) { return v + 1; }\n"
                               "step_t (*current_step)(step_t) = add_one;\nstepper_fn steps[1] = {add_one};\n"
                               "current_step(1) + steps[0](2)")
    assert content["status"] == "ok" and text_result(outputs) == "5", outputs


def test_a_buffer_overflow_in_a_libc_call_is_caught(kernel):
    _, kc = kernel
    run(kc, "int before_overflow = 7;")
    content, outputs = run(kc, 'char tiny[4];\nconst char *text = getenv("CNB_NOT_SET") ? "x" : "far too long";\n'
                               'strcpy(tiny, text);\nprintf("not reached\\n");')
    assert content["status"] == "error" and content["ename"] == "BufferOverflow", content
    error = error_of(outputs)
    assert any("line 3" in line for line in error["traceback"]), error["traceback"]
    assert "not reached" not in stdout_of(outputs)
    assert text_result(run(kc, "before_overflow")[1]) == "7"
