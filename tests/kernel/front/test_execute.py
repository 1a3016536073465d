# SPDX-License-Identifier: BSD-3-Clause
"""Running cells through the protocol: execute_input and execution_count,
streams, execute_result, errors, stop_on_error, interrupts (message and
signal) of `while (1);`, a crash followed by an earlier variable, stdin
with allow_stdin true and false, display_data, and the shell, control and
heartbeat answering while a cell runs."""

import os
import queue
import signal
import time

import pytest

from front_support import (isolate_history, needs_kernel, TIMEOUT, control_reply, drain_iopub, execute, iopub_for,
                           shell_reply, start_kernel, stdout_of, stop_kernel,
                           text_result)

pytestmark = needs_kernel
isolate_history('execute')


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_kernel()
    yield km, kc
    stop_kernel(km, kc)


def test_execute_publishes_input_output_and_counts(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute('printf("hello, world\\n");')
    reply = shell_reply(kc, msg_id)
    published = iopub_for(kc, msg_id)
    kinds = [m["msg_type"] for m in published]
    assert kinds[0] == "status" and published[0]["content"]["execution_state"] == "busy"
    assert kinds[-1] == "status" and published[-1]["content"]["execution_state"] == "idle"
    inputs = [m for m in published if m["msg_type"] == "execute_input"]
    assert len(inputs) == 1 and inputs[0]["content"]["code"] == 'printf("hello, world\\n");'
    assert reply["content"]["status"] == "ok"
    assert inputs[0]["content"]["execution_count"] == reply["content"]["execution_count"]
    assert "hello, world\n" in stdout_of(published)
    count = reply["content"]["execution_count"]
    again, _ = execute(kc, "int counted = 1;")
    assert again["content"]["execution_count"] == count + 1


def test_silent_and_unstored_do_not_count(kernel):
    _, kc = kernel
    first, _ = execute(kc, "int before_silent = 1;")
    count = first["content"]["execution_count"]
    silent, outputs = execute(kc, "before_silent + 1", silent=True)
    assert silent["content"]["status"] == "ok"
    assert text_result(outputs) is None, "silent runs show no execute_result"
    unstored, _ = execute(kc, "int unstored = 2;", store_history=False)
    assert unstored["content"]["status"] == "ok"
    after, _ = execute(kc, "int after_silent = 3;")
    assert after["content"]["execution_count"] == count + 1


def test_state_and_execute_result(kernel):
    _, kc = kernel
    execute(kc, "int x = 41;")
    reply, outputs = execute(kc, "x + 1")
    assert reply["content"]["status"] == "ok"
    assert text_result(outputs) == "42"
    result = [m for m in outputs if m["msg_type"] == "execute_result"][0]
    assert result["content"]["execution_count"] == reply["content"]["execution_count"]


def test_stderr_stream(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, 'fprintf(stderr, "to stderr\\n");')
    assert reply["content"]["status"] == "ok"
    assert "to stderr" in stdout_of(outputs, "stderr")


def test_compile_error_is_an_error_reply(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, "int broken = ;")
    content = reply["content"]
    assert content["status"] == "error"
    assert content["ename"] and isinstance(content["traceback"], list)
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1 and errors[0]["content"]["ename"] == content["ename"]


def send_batch(kc, codes, **kwargs):
    return [kc.execute(code, **kwargs) for code in codes]


def test_stop_on_error_aborts_queued_requests(kernel):
    _, kc = kernel
    ids = send_batch(kc, ["int fails_here = ;", "int queued_one = 1;", "int queued_two = 2;"])
    replies = [shell_reply(kc, i)["content"] for i in ids]
    assert replies[0]["status"] == "error"
    assert [r["status"] for r in replies[1:]] == ["aborted", "aborted"]
    # Only what was queued is aborted: the next request runs.
    reply, _ = execute(kc, "int runs_again = 3;")
    assert reply["content"]["status"] == "ok"


def test_stop_on_error_false_keeps_the_queue(kernel):
    _, kc = kernel
    ids = send_batch(kc, ["int fails_again = ;", "int still_runs = 4;"], stop_on_error=False)
    replies = [shell_reply(kc, i)["content"] for i in ids]
    assert [r["status"] for r in replies] == ["error", "ok"]


def wait_for_running(kc, msg_id):
    """Waits until the kernel published execute_input for msg_id."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            return
    raise AssertionError("the cell never started")


def test_interrupt_message_stops_infinite_loop_and_keeps_state(kernel):
    km, kc = kernel
    execute(kc, "int kept_through_interrupt = 17;")
    drain_iopub(kc)
    msg_id = kc.execute("while (1);")
    wait_for_running(kc, msg_id)
    time.sleep(0.3)
    km.interrupt_kernel()   # interrupt_mode "message": interrupt_request on control
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["status"] == "error"
    assert "interrupt" in (reply["ename"] + reply["evalue"]).lower()
    _, outputs = execute(kc, "kept_through_interrupt")
    assert text_result(outputs) == "17"


def test_interrupt_request_reply_on_control(kernel):
    _, kc = kernel
    msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(msg)
    assert control_reply(kc, msg["header"]["msg_id"])["content"]["status"] == "ok"


def test_sigint_stops_infinite_loop(kernel):
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("while (1);")
    wait_for_running(kc, msg_id)
    time.sleep(0.3)
    os.kill(km.provisioner.process.pid, signal.SIGINT)
    reply = shell_reply(kc, msg_id)["content"]
    assert reply["status"] == "error"
    assert "interrupt" in (reply["ename"] + reply["evalue"]).lower()
    assert km.is_alive()


def test_kernel_answers_while_a_cell_runs(kernel):
    km, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute("while (1);")
    wait_for_running(kc, msg_id)
    # shell: complete, inspect, is_complete, history; control: kernel_info; heartbeat.
    assert shell_reply(kc, kc.complete("manual_se"))["content"]["status"] == "ok"
    assert shell_reply(kc, kc.inspect("manual_seed"))["content"]["status"] == "ok"
    assert shell_reply(kc, kc.is_complete("int a = 1;"))["content"]["status"] == "complete"
    assert shell_reply(kc, kc.history(hist_access_type="tail", n=1))["content"]["status"] == "ok"
    assert shell_reply(kc, kc.kernel_info())["content"]["language_info"]["name"] == "c"
    assert shell_reply(kc, kc.comm_info())["content"]["status"] == "ok"
    msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(msg)
    assert control_reply(kc, msg["header"]["msg_id"])["content"]["status"] == "ok"
    assert kc.hb_channel.is_beating()
    km.interrupt_kernel()
    assert shell_reply(kc, msg_id)["content"]["status"] == "error"


def test_requests_during_a_cell_leave_the_kernel_busy(kernel):
    """JupyterLab shows the last status published, whatever its parent, and
    needs each request's idle to finish it.  A completion answered during a
    cell gets its busy and idle, then the kernel says busy again for the
    cell, so that the last word while the cell runs is always busy."""
    km, kc = kernel
    drain_iopub(kc)
    cell = kc.execute("while (1);")
    wait_for_running(kc, cell)
    asked = [kc.complete("manual_se"), kc.inspect("manual_seed")]
    for msg_id in asked:
        shell_reply(kc, msg_id)
    states = []
    while len(states) < 6:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["msg_type"] == "status":
            states.append((m["parent_header"].get("msg_id"), m["content"]["execution_state"]))
    assert states == [(asked[0], "busy"), (asked[0], "idle"), (cell, "busy"),
                      (asked[1], "busy"), (asked[1], "idle"), (cell, "busy")], states
    km.interrupt_kernel()
    assert shell_reply(kc, cell)["content"]["status"] == "error"
    after = []
    while (cell, "idle") not in after:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["msg_type"] == "status":
            after.append((m["parent_header"].get("msg_id"), m["content"]["execution_state"]))
    # (The interrupt_request on control is one more such request.)
    assert after[-1] == (cell, "idle"), after
    # Outside a cell, nothing is said again.
    msg_id = kc.complete("manual_se")
    shell_reply(kc, msg_id)
    time.sleep(0.3)
    later = []
    while True:
        try:
            m = kc.get_iopub_msg(timeout=0.3)
        except queue.Empty:
            break
        if m["msg_type"] == "status":
            later.append((m["parent_header"].get("msg_id"), m["content"]["execution_state"]))
    assert later == [(msg_id, "busy"), (msg_id, "idle")], later


def test_crash_keeps_earlier_variables(kernel):
    km, kc = kernel
    execute(kc, "int survivor = 99;")
    reply, outputs = execute(kc, "int *null_pointer = 0; *null_pointer = 1;")
    assert reply["content"]["status"] == "error"
    assert any(m["msg_type"] == "error" for m in outputs)
    assert km.is_alive()
    reply, outputs = execute(kc, "survivor")
    assert reply["content"]["status"] == "ok"
    assert text_result(outputs) == "99"


READ_LINE = ('char line[64] = ""; if (fgets(line, sizeof line, stdin)) printf("got: %s", line);'
             ' else printf("no input\\n");')


def test_stdin_allowed(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute(READ_LINE, allow_stdin=True)
    request = kc.get_stdin_msg(timeout=TIMEOUT)
    assert request["msg_type"] == "input_request"
    assert request["parent_header"]["msg_id"] == msg_id
    assert request["content"]["password"] in (False, 0)
    kc.input("Ada Lovelace")
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert "got: Ada Lovelace" in stdout_of(iopub_for(kc, msg_id))


def test_stdin_not_allowed_does_not_hang(kernel):
    _, kc = kernel
    drain_iopub(kc)
    msg_id = kc.execute(READ_LINE, allow_stdin=False)
    reply = shell_reply(kc, msg_id)
    with pytest.raises(queue.Empty):
        kc.get_stdin_msg(timeout=0.2)
    outputs = iopub_for(kc, msg_id)
    said = stdout_of(outputs) + stdout_of(outputs, "stderr")
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert "got:" not in said
    assert reply["content"]["status"] == "error" or errors or said, "the cell reports that stdin is off"


def test_display_data(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, 'display_html("<b>bold</b>");')
    assert reply["content"]["status"] == "ok"
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    assert shown and shown[0]["content"]["data"]["text/html"] == "<b>bold</b>"


def test_update_display_data(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, 'display_text("one", .id = "d1"); display_text("two", .id = "d1", .update = true);')
    assert reply["content"]["status"] == "ok"
    kinds = [m["msg_type"] for m in outputs]
    assert "display_data" in kinds and "update_display_data" in kinds
    update = [m for m in outputs if m["msg_type"] == "update_display_data"][0]
    assert update["content"]["transient"]["display_id"] == "d1"


def test_clear_output(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, 'printf("soon gone\\n"); fflush(stdout); clear_output(false);')
    assert reply["content"]["status"] == "ok"
    assert any(m["msg_type"] == "clear_output" for m in outputs)


def test_interrupt_mode_signal_through_jupyter_client(tmp_path):
    """interrupt_mode "signal": jupyter_client sends SIGINT to the kernel's
    whole process group (the worker included); the loop stops, state stays."""
    import json
    import shutil
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    source = KernelSpecManager().find_kernel_specs()["cnb"]
    target = tmp_path / "kernels" / "cnb-signal"
    shutil.copytree(source, target)
    spec = json.loads((target / "kernel.json").read_text())
    spec["interrupt_mode"] = "signal"
    (target / "kernel.json").write_text(json.dumps(spec))
    km = KernelManager(kernel_name="cnb-signal",
                       kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]))
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        execute(kc, "int kept_through_signal = 23;")
        drain_iopub(kc)
        msg_id = kc.execute("while (1);")
        wait_for_running(kc, msg_id)
        time.sleep(0.3)
        km.interrupt_kernel()
        reply = shell_reply(kc, msg_id)["content"]
        assert reply["status"] == "error"
        assert "interrupt" in (reply["ename"] + reply["evalue"]).lower()
        _, outputs = execute(kc, "kept_through_signal")
        assert text_result(outputs) == "23"
    finally:
        stop_kernel(km, kc)


def test_redefinition_through_the_protocol(kernel):
    _, kc = kernel
    execute(kc, "int twice(int v) { return 2 * v; }")
    _, outputs = execute(kc, "twice(21)")
    assert text_result(outputs) == "42"
    execute(kc, "int twice(int v) { return 3 * v; }")
    _, outputs = execute(kc, "twice(21)")
    assert text_result(outputs) == "63", "the newest definition wins"
    execute(kc, "int shape = 1;")
    reply, _ = execute(kc, 'const char *shape = "round";')
    assert reply["content"]["status"] == "ok"
    _, outputs = execute(kc, "shape")
    assert "round" in (text_result(outputs) or "")


def test_output_that_is_not_utf8_still_arrives(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, 'printf("bad \\xff byte, ok \\xc3\\xa9\\n");')
    assert reply["content"]["status"] == "ok"
    text = stdout_of(outputs)
    assert text.startswith("bad ") and text.endswith(" byte, ok é\n")


def test_interrupt_abandons_a_pending_input_request(kernel):
    km, kc = kernel
    execute(kc, "int kept_through_input = 5;")
    drain_iopub(kc)
    msg_id = kc.execute(READ_LINE, allow_stdin=True)
    assert kc.get_stdin_msg(timeout=TIMEOUT)["msg_type"] == "input_request"
    km.interrupt_kernel()          # the user gives up instead of typing
    reply = shell_reply(kc, msg_id)
    assert reply["content"]["status"] in ("ok", "error")
    assert "got:" not in stdout_of(iopub_for(kc, msg_id))
    _, outputs = execute(kc, "kept_through_input")
    assert text_result(outputs) == "5"


def test_shutdown_while_a_cell_runs(tmp_path):
    km, kc = start_kernel(env={"TMPDIR": str(tmp_path)})
    try:
        msg_id = kc.execute("while (1);")
        wait_for_running(kc, msg_id)
        shutdown_id = kc.shutdown()
        assert control_reply(kc, shutdown_id)["content"]["status"] == "ok"
        assert km.provisioner.process.wait(timeout=TIMEOUT) == 0
        assert [p for p in os.listdir(tmp_path) if p.startswith("cnb-kernel-")] == []
    finally:
        kc.stop_channels()
        km.cleanup_resources()
