# SPDX-License-Identifier: BSD-3-Clause
"""JupyterLab's debugger protocol through jupyter_client: debug_request on
control, debug_reply, debug_event on iopub, with lldb's adapter attached to
the worker.  The requests are those JupyterLab 4 sends, in its order."""
import os
import signal
import time

import pytest

from front_support import (TIMEOUT, control_reply, drain_iopub, execute, isolate_history,
                           needs_kernel, shell_reply, start_kernel, stop_kernel, stdout_of,
                           text_result)
from long_session import kernel_processes

pytestmark = needs_kernel
isolate_history("debugger")

ADAPTER = "/usr/bin/lldb-vscode-14"
needs_adapter = pytest.mark.skipif(not os.access(ADAPTER, os.X_OK),
                                   reason="lldb-14 (lldb-vscode-14) is not installed")


def murmur2(code, seed):
    """MurmurHash2 of the UTF-8 bytes, as JupyterLab's hash.ts (written
    here from the algorithm, independently of the kernel's C)."""
    data = code.encode("utf-8")
    m = 0x5BD1E995
    h = (seed ^ len(data)) & 0xFFFFFFFF
    end = len(data) & ~3
    for i in range(0, end, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    rest = data[end:]
    if rest:
        for j in reversed(range(len(rest))):
            h ^= rest[j] << (8 * j)
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


class Debug:
    """A kernel and a client that speaks the debugger protocol."""

    def __init__(self, env=None):
        self.km, self.kc = start_kernel(env=env)
        self.seq = 0
        self.events = []

    def request(self, command, arguments=None):
        self.seq += 1
        content = {"seq": self.seq, "type": "request", "command": command,
                   "arguments": arguments if arguments is not None else {}}
        msg = self.kc.session.msg("debug_request", content)
        self.kc.control_channel.send(msg)
        reply = control_reply(self.kc, msg["header"]["msg_id"])
        assert reply["msg_type"] == "debug_reply"
        body = reply["content"]
        assert body["type"] == "response"
        assert body["request_seq"] == self.seq
        assert body["command"] == command
        return body

    def event(self, name, timeout=TIMEOUT):
        """The next debug_event of that name (others are kept in self.events)."""
        deadline = time.monotonic() + timeout
        while True:
            msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["msg_type"] != "debug_event":
                continue
            self.events.append(msg["content"])
            if msg["content"].get("event") == name:
                return msg["content"]

    def run(self, code):
        """Runs a cell to its end, keeping the debug events it saw."""
        msg_id = self.kc.execute(code)
        reply = shell_reply(self.kc, msg_id)
        while True:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["msg_type"] == "debug_event":
                self.events.append(msg["content"])
            if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                    and msg["content"]["execution_state"] == "idle"):
                return reply

    def start(self):
        """initialize and attach, as JupyterLab's debugger session starts."""
        reply = self.request("initialize", {
            "clientID": "jupyterlab", "clientName": "JupyterLab", "adapterID": "cnb",
            "pathFormat": "path", "linesStartAt1": True, "columnsStartAt1": True,
            "supportsVariableType": True, "supportsVariablePaging": True,
            "supportsRunInTerminalRequest": True, "locale": "en"})
        assert reply["success"], reply
        attach = self.request("attach", {})
        assert attach["success"], attach
        assert self.request("debugInfo")["body"]["isStarted"] is True
        assert self.request("configurationDone")["success"]
        return reply

    def close(self):
        stop_kernel(self.km, self.kc)


@pytest.fixture
def debug():
    session = Debug()
    yield session
    session.close()


def test_kernel_info_says_the_kernel_has_a_debugger(debug):
    msg_id = debug.kc.kernel_info()
    reply = shell_reply(debug.kc, msg_id)
    assert reply["content"]["debugger"] is True


def test_debug_requests_on_shell_are_not_answered(debug):
    """The debugger is one session, the control thread's (as in ipykernel)."""
    msg = debug.kc.session.msg("debug_request", {"seq": 1, "type": "request", "command": "debugInfo",
                                                 "arguments": {}})
    debug.kc.shell_channel.send(msg)
    # Shell requests are answered in order: the next reply is kernel_info's.
    info_id = debug.kc.kernel_info()
    assert debug.kc.get_shell_msg(timeout=TIMEOUT)["parent_header"]["msg_id"] == info_id
    assert debug.request("debugInfo")["success"]


def test_debug_info_gives_the_hash_parameters_before_the_debugger_starts(debug):
    info = debug.request("debugInfo")
    assert info["success"]
    body = info["body"]
    assert body["isStarted"] is False
    assert body["hashMethod"] == "Murmur2"
    assert body["hashSeed"] == 0xC70F6907
    assert body["tmpFilePrefix"].endswith("/debug/")
    assert os.path.isabs(body["tmpFilePrefix"])
    assert body["tmpFileSuffix"] == ".c"
    assert body["breakpoints"] == []
    assert body["stoppedThreads"] == []


def test_dump_cell_writes_the_cell_at_the_path_jupyterlab_computes(debug):
    info = debug.request("debugInfo")["body"]
    for code in ["int x = 1;", "int f(int a)\n{\n    return a + 1;\n}\n", "// größe: 3 €\n"]:
        dumped = debug.request("dumpCell", {"code": code})
        assert dumped["success"]
        path = dumped["body"]["sourcePath"]
        assert path == "%s%d%s" % (info["tmpFilePrefix"], murmur2(code, info["hashSeed"]),
                                   info["tmpFileSuffix"])
        with open(path, encoding="utf-8") as f:
            assert f.read() == code


def test_breakpoints_are_kept_per_path_before_the_debugger_starts(debug):
    path = debug.request("dumpCell", {"code": "int y = 2;\n"})["body"]["sourcePath"]
    reply = debug.request("setBreakpoints", {"source": {"path": path},
                                             "breakpoints": [{"line": 1}], "sourceModified": False})
    assert reply["success"]
    assert [b["line"] for b in reply["body"]["breakpoints"]] == [1]
    assert debug.request("debugInfo")["body"]["breakpoints"] == [
        {"source": path, "breakpoints": [{"line": 1}]}]
    debug.request("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
    assert debug.request("debugInfo")["body"]["breakpoints"] == []


def test_requests_for_the_adapter_say_why_when_the_debugger_is_off(debug):
    reply = debug.request("stackTrace", {"threadId": 1})
    assert reply["success"] is False
    assert "not started" in reply["message"]


def test_inspect_variables_lists_the_globals_with_types_and_values(debug):
    reply, _ = execute(debug.kc, 'int counter = 7;\ndouble rate = 0.5;\nconst char *name = "Ada";')
    assert reply["content"]["status"] == "ok"
    variables = debug.request("inspectVariables")
    assert variables["success"]
    by_name = {v["name"]: v for v in variables["body"]["variables"]}
    assert by_name["counter"]["type"] == "int"
    assert by_name["counter"]["value"] == "7"
    assert by_name["rate"]["type"] == "double"
    assert by_name["rate"]["value"] == "0.5"
    assert "Ada" in by_name["name"]["value"]
    assert all(v["variablesReference"] == 0 for v in by_name.values())


TWICE = "int twice(int a)\n{\n    int b = a * 2;\n    return b;\n}\n"


@needs_adapter
def test_a_breakpoint_in_a_defining_cell_stops_when_another_cell_calls_it(debug):
    capabilities = debug.start()
    assert capabilities["body"]["supportsConfigurationDoneRequest"] is True
    # No C++/Objective-C/Swift exception filters for a C kernel.
    assert capabilities["body"]["exceptionBreakpointFilters"] == []
    reply, _ = execute(debug.kc, TWICE)
    assert reply["content"]["status"] == "ok"
    path = debug.request("dumpCell", {"code": TWICE})["body"]["sourcePath"]
    breakpoints = debug.request("setBreakpoints", {"source": {"path": path},
                                                   "breakpoints": [{"line": 3}], "sourceModified": False})
    assert breakpoints["success"], breakpoints
    assert [b["line"] for b in breakpoints["body"]["breakpoints"]] == [3]

    msg_id = debug.kc.execute('int r = twice(21);\nprintf("r = %d\\n", r);')
    stopped = debug.event("stopped")
    assert stopped["body"]["reason"] == "breakpoint"
    thread = stopped["body"]["threadId"]
    assert thread in debug.request("debugInfo")["body"]["stoppedThreads"]

    frames = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"]
    top = frames[0]
    assert top["name"] == "twice"        # not its versioned symbol cnb_c1_twice
    assert top["source"]["path"] == path
    assert top["line"] == 3
    # The frames shown are the cells' (the caller's cell is the second).
    assert all(f["source"]["path"].startswith(os.path.dirname(path)) for f in frames)
    assert [f["name"] for f in frames] == ["twice", "<cell>"]
    assert frames[1]["line"] == 1

    scopes = debug.request("scopes", {"frameId": top["id"]})["body"]["scopes"]
    locals_ = next(s for s in scopes if s["name"] == "Locals")
    variables = debug.request("variables", {"variablesReference": locals_["variablesReference"]})
    values = {v["name"]: v["value"] for v in variables["body"]["variables"]}
    assert values["a"] == "21"

    # One step: b is computed.
    assert debug.request("next", {"threadId": thread})["success"]
    debug.event("stopped")
    frames = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"]
    assert frames[0]["line"] == 4
    scopes = debug.request("scopes", {"frameId": frames[0]["id"]})["body"]["scopes"]
    locals_ = next(s for s in scopes if s["name"] == "Locals")
    variables = debug.request("variables", {"variablesReference": locals_["variablesReference"]})
    values = {v["name"]: v["value"] for v in variables["body"]["variables"]}
    assert values["b"] == "42"

    assert debug.request("continue", {"threadId": thread})["success"]
    # JupyterLab takes its "paused" overlay off on this event.
    assert debug.event("continued")["body"]["threadId"] == thread
    reply = shell_reply(debug.kc, msg_id)
    assert reply["content"]["status"] == "ok"
    assert debug.request("debugInfo")["body"]["stoppedThreads"] == []
    drain_iopub(debug.kc)
    reply, outputs = execute(debug.kc, "r")
    assert text_result(outputs) == "42"


@needs_adapter
def test_step_into_and_out_of_a_function_from_a_breakpoint_in_the_running_cell(debug):
    debug.start()
    reply, _ = execute(debug.kc, TWICE)
    assert reply["content"]["status"] == "ok"
    caller = "int r = twice(21);\nr += 1;\n"
    path = debug.request("dumpCell", {"code": caller})["body"]["sourcePath"]
    twice_path = debug.request("dumpCell", {"code": TWICE})["body"]["sourcePath"]
    assert debug.request("setBreakpoints", {"source": {"path": path},
                                            "breakpoints": [{"line": 1}]})["success"]
    # The cell's library is loaded when it runs: the breakpoint binds then.
    msg_id = debug.kc.execute(caller)
    thread = debug.event("stopped")["body"]["threadId"]

    def where():
        frame = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"][0]
        return frame["source"]["path"], frame["line"], frame["id"]

    assert where()[:2] == (path, 1)
    assert debug.request("stepIn", {"threadId": thread})["success"]
    debug.event("stopped")
    place, line, frame = where()
    # lldb-vscode 14 stops on the function's first instruction (its opening
    # brace, before the prologue stored the arguments): one more step to
    # the first statement (kernel/README.md, what does not work yet).
    assert place == twice_path and line in (2, 3)
    if line == 2:
        assert debug.request("next", {"threadId": thread})["success"]
        debug.event("stopped")
        place, line, frame = where()
    assert (place, line) == (twice_path, 3)
    # The debug console evaluates C in the stopped frame.
    value = debug.request("evaluate", {"expression": "a * 10", "frameId": frame, "context": "repl"})
    assert value["success"], value
    assert value["body"]["result"].split()[-1] == "210"
    assert debug.request("stepOut", {"threadId": thread})["success"]
    debug.event("stopped")
    assert where()[:2] == (path, 1)
    assert debug.request("next", {"threadId": thread})["success"]
    debug.event("stopped")
    assert where()[:2] == (path, 2)
    assert debug.request("continue", {"threadId": thread})["success"]
    assert shell_reply(debug.kc, msg_id)["content"]["status"] == "ok"
    drain_iopub(debug.kc)
    reply, outputs = execute(debug.kc, "r")
    assert text_result(outputs) == "43"


def locals_of(debug, frame_id):
    scopes = debug.request("scopes", {"frameId": frame_id})["body"]["scopes"]
    ref = next(s for s in scopes if s["name"] == "Locals")["variablesReference"]
    return {v["name"]: v for v in debug.request("variables", {"variablesReference": ref})["body"]["variables"]}


@needs_adapter
def test_a_function_defined_again_under_the_debugger_is_the_one_that_breaks(debug):
    debug.start()
    first = "int base(void)\n{\n    return 1;\n}\n"
    again = "int base(void)\n{\n    int five = 5;\n    return five;\n}\n"
    caller = "int twice_base(void)\n{\n    return 2 * base();\n}\n"
    for code in (first, caller, again):
        reply, _ = execute(debug.kc, code)
        assert reply["content"]["status"] == "ok"
    path = debug.request("dumpCell", {"code": again})["body"]["sourcePath"]
    assert debug.request("setBreakpoints", {"source": {"path": path},
                                            "breakpoints": [{"line": 4}]})["success"]
    msg_id = debug.kc.execute("twice_base()")
    thread = debug.event("stopped")["body"]["threadId"]
    frames = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"]
    assert (frames[0]["name"], frames[0]["source"]["path"], frames[0]["line"]) == ("base", path, 4)
    assert frames[1]["name"] == "twice_base"
    assert locals_of(debug, frames[0]["id"])["five"]["value"] == "5"
    assert debug.request("continue", {"threadId": thread})["success"]
    assert shell_reply(debug.kc, msg_id)["content"]["status"] == "ok"


@needs_adapter
def test_struct_and_array_locals_expand(debug):
    debug.start()
    code = ("typedef struct Point { int x, y; } Point;\n"
            "int area(Point p)\n{\n    int sides[2] = {p.x, p.y};\n    return sides[0] * sides[1];\n}\n")
    reply, _ = execute(debug.kc, code)
    assert reply["content"]["status"] == "ok"
    path = debug.request("dumpCell", {"code": code})["body"]["sourcePath"]
    assert debug.request("setBreakpoints", {"source": {"path": path},
                                            "breakpoints": [{"line": 5}]})["success"]
    msg_id = debug.kc.execute("area((Point){3, 4})")
    thread = debug.event("stopped")["body"]["threadId"]
    frame = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"][0]
    assert frame["line"] == 5
    variables = locals_of(debug, frame["id"])
    for name, want in (("p", {"x": "3", "y": "4"}), ("sides", {"[0]": "3", "[1]": "4"})):
        assert variables[name]["variablesReference"] > 0
        children = debug.request("variables", {"variablesReference": variables[name]["variablesReference"]})
        assert {c["name"]: c["value"] for c in children["body"]["variables"]} == want
    assert debug.request("continue", {"threadId": thread})["success"]
    reply = shell_reply(debug.kc, msg_id)
    assert reply["content"]["status"] == "ok"


@needs_adapter
def test_a_cell_stopped_before_its_scanf_asks_for_input_after_continue(debug):
    debug.start()
    code = 'int n = 0;\nscanf("%d", &n);\nprintf("got %d\\n", n * 2);\n'
    path = debug.request("dumpCell", {"code": code})["body"]["sourcePath"]
    assert debug.request("setBreakpoints", {"source": {"path": path},
                                            "breakpoints": [{"line": 2}]})["success"]
    msg_id = debug.kc.execute(code, allow_stdin=True)
    thread = debug.event("stopped")["body"]["threadId"]
    frame = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"][0]
    assert (frame["source"]["path"], frame["line"]) == (path, 2)
    assert debug.request("continue", {"threadId": thread})["success"]
    request = debug.kc.get_stdin_msg(timeout=TIMEOUT)
    assert request["msg_type"] == "input_request"
    debug.kc.input("21")
    reply = shell_reply(debug.kc, msg_id)
    assert reply["content"]["status"] == "ok"
    outputs = []
    while True:
        msg = debug.kc.get_iopub_msg(timeout=TIMEOUT)
        outputs.append(msg)
        if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"]["execution_state"] == "idle"):
            break
    assert "got 42\n" in stdout_of([m for m in outputs if m["parent_header"].get("msg_id") == msg_id])


@needs_adapter
def test_a_crash_under_the_debugger_stops_on_its_line_and_then_ends_the_cell_as_without(debug):
    debug.start()
    reply, _ = execute(debug.kc, "int kept = 9;")
    assert reply["content"]["status"] == "ok"
    code = "int *p = 0;\nint v = 3;\n*p = v;\n"
    path = debug.request("dumpCell", {"code": code})["body"]["sourcePath"]
    msg_id = debug.kc.execute(code)
    stopped = debug.event("stopped")
    assert stopped["body"]["reason"] == "exception"
    thread = stopped["body"]["threadId"]
    frames = debug.request("stackTrace", {"threadId": thread})["body"]["stackFrames"]
    assert (frames[0]["source"]["path"], frames[0]["line"]) == (path, 3)
    assert debug.request("continue", {"threadId": thread})["success"]
    reply = shell_reply(debug.kc, msg_id)["content"]
    assert reply["ename"] == "SIGSEGV"
    # The cell keeps its own name in the traceback, not the debugger's path.
    assert "  in In[%d], line 3" % reply["execution_count"] in reply["traceback"]
    drain_iopub(debug.kc)
    reply, outputs = execute(debug.kc, 'printf("%d\\n", kept);')
    assert stdout_of(outputs) == "9\n"


@needs_adapter
def test_the_interrupt_button_works_under_the_debugger(debug):
    debug.start()
    reply, _ = execute(debug.kc, "int spin(void)\n{\n    int n = 0;\n    while (1)\n        n++;\n    return n;\n}\n")
    assert reply["content"]["status"] == "ok"
    msg_id = debug.kc.execute("spin();")
    # Interrupt once the cell runs (its busy is published when it starts).
    while True:
        msg = debug.kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "execute_input" and msg["parent_header"].get("msg_id") == msg_id:
            break
    interrupt = debug.kc.session.msg("interrupt_request", {})
    debug.kc.control_channel.send(interrupt)
    reply = shell_reply(debug.kc, msg_id)["content"]
    assert reply["ename"] == "KeyboardInterrupt"
    # The interrupt's signals passed to the worker without a stop.
    events = []
    while True:
        msg = debug.kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "debug_event":
            events.append(msg["content"]["event"])
        if (msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id
                and msg["content"]["execution_state"] == "idle"):
            break
    assert "stopped" not in events


@needs_adapter
def test_pause_stops_a_running_cell_where_it_is_and_continue_lets_it_finish(debug):
    debug.start()
    code = ('printf("running\\n");\nlong count = 0;\n'
            "for (long i = 0; i < 40000000000L && !stop_now; i++)\n    count++;\n")
    reply, _ = execute(debug.kc, "volatile int stop_now = 0;")
    assert reply["content"]["status"] == "ok"
    path = debug.request("dumpCell", {"code": code})["body"]["sourcePath"]
    msg_id = debug.kc.execute(code)
    # The cell runs (compiled, loaded, in its loop) once it has printed.
    while True:
        msg = debug.kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "stream" and msg["parent_header"].get("msg_id") == msg_id:
            break
    assert debug.request("pause", {"threadId": 1})["success"]
    stopped = debug.event("stopped")
    # lldb-vscode 14 stops the process with SIGSTOP and reports a signal.
    assert stopped["body"]["reason"] in ("pause", "exception"), stopped
    assert "SIGSTOP" in stopped["body"].get("description", "SIGSTOP"), stopped
    thread = stopped["body"]["threadId"]
    # Wherever the worker was (the loop, or the flusher's libc call on
    # another thread), the cell's frame is on the stack of the cell's thread.
    threads = debug.request("threads")["body"]["threads"]
    cell_frames = []
    for t in threads:
        frames = debug.request("stackTrace", {"threadId": t["id"]})["body"]["stackFrames"]
        cell_frames += [f for f in frames if f["source"].get("path") == path]
    assert cell_frames and all(f["line"] in (3, 4) for f in cell_frames)
    # The loop is told to end, and the cell finishes.
    assert debug.request("evaluate", {"expression": "stop_now = 1", "frameId": cell_frames[0]["id"],
                                      "context": "repl"})["success"]
    assert debug.request("continue", {"threadId": thread})["success"]
    assert shell_reply(debug.kc, msg_id)["content"]["status"] == "ok"


@needs_adapter
def test_disconnect_leaves_the_cells_running_as_before(debug):
    debug.start()
    reply, _ = execute(debug.kc, "int kept = 5;")
    assert reply["content"]["status"] == "ok"
    assert debug.request("disconnect", {"restart": False, "terminateDebuggee": False})["success"]
    assert debug.request("debugInfo")["body"]["isStarted"] is False
    reply, outputs = execute(debug.kc, 'printf("%d\\n", kept * 2);')
    assert reply["content"]["status"] == "ok"
    assert stdout_of(outputs) == "10\n"


@needs_adapter
def test_a_worker_restart_ends_the_session_with_a_reason_and_a_new_one_attaches(debug):
    debug.start()
    assert debug.run("%reset\nint a = 1;")["content"]["status"] == "ok"
    if "exited" not in [e.get("event") for e in debug.events]:
        debug.event("exited")
    assert debug.request("debugInfo")["body"]["isStarted"] is False
    reply = debug.request("stackTrace", {"threadId": 1})
    assert reply["success"] is False and "restarted" in reply["message"]
    reply, outputs = execute(debug.kc, 'printf("%d\\n", a);')
    assert stdout_of(outputs) == "1\n"
    # JupyterLab's debugger button off and on: a session on the new worker.
    assert debug.request("disconnect", {"restart": False, "terminateDebuggee": True})["success"]
    debug.start()
    reply, _ = execute(debug.kc, TWICE)
    path = debug.request("dumpCell", {"code": TWICE})["body"]["sourcePath"]
    debug.request("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3}]})
    msg_id = debug.kc.execute("twice(a)")
    thread = debug.event("stopped")["body"]["threadId"]
    assert debug.request("continue", {"threadId": thread})["success"]
    assert shell_reply(debug.kc, msg_id)["content"]["status"] == "ok"


def test_a_missing_adapter_is_reported_and_the_kernel_works_on():
    session = Debug(env={"CNB_DEBUG_ADAPTER": "/nonexistent/lldb-vscode"})
    try:
        reply = session.request("initialize", {"clientID": "jupyterlab", "adapterID": "cnb"})
        assert reply["success"] is False
        assert "/nonexistent/lldb-vscode" in reply["message"]
        assert "not installed" in reply["message"]
        assert session.request("attach", {})["success"] is False
        reply, outputs = execute(session.kc, 'printf("still here\\n");')
        assert stdout_of(outputs) == "still here\n"
    finally:
        session.close()


def adapter_pids(kernel_pid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open("/proc/%s/comm" % entry) as f:
                name = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == kernel_pid and name.startswith("lldb-vscode"):
            pids.append(int(entry))
    return pids


@needs_adapter
def test_an_adapter_that_dies_turns_the_debugger_off_and_cells_run_on(debug):
    debug.start()
    reply, _ = execute(debug.kc, "int before = 4;\n" + TWICE)
    assert reply["content"]["status"] == "ok"
    path = debug.request("dumpCell", {"code": "int before = 4;\n" + TWICE})["body"]["sourcePath"]
    assert debug.request("setBreakpoints", {"source": {"path": path},
                                            "breakpoints": [{"line": 4}]})["success"]
    pids = adapter_pids(debug.km.provisioner.process.pid)
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    debug.event("terminated")
    info = debug.request("debugInfo")["body"]
    assert info["isStarted"] is False
    reply = debug.request("stackTrace", {"threadId": 1})
    assert reply["success"] is False
    assert "exited" in reply["message"]
    # lldb's breakpoints (its own in the dynamic loader too) were taken out
    # of the worker's code: loading the next cells does not kill it, and
    # the state is kept.
    for _ in range(3):
        reply, outputs = execute(debug.kc, 'int after = 3;\nprintf("%d\\n", twice(before) + after);')
        assert reply["content"]["status"] == "ok", reply["content"]
        assert stdout_of(outputs) == "11\n"


@needs_adapter
@pytest.mark.skipif(not os.environ.get("CNB_SANITIZERS"),
                    reason="not a sanitizer build (configure --enable-sanitizers)")
def test_a_debugging_session_leaves_no_sanitizer_report(tmp_path):
    """ASan and UBSan over the front's debugger: two sessions (the second
    started after a disconnect), a breakpoint hit, the adapter killed."""
    log_path = tmp_path / "kernel.log"
    with open(log_path, "w") as log:
        session = Debug.__new__(Debug)
        session.km, session.kc = start_kernel(env={"TMPDIR": str(tmp_path),
                                                   "ASAN_OPTIONS": "detect_leaks=1"}, stderr=log)
        session.seq, session.events = 0, []
        try:
            session.start()
            execute(session.kc, TWICE)
            path = session.request("dumpCell", {"code": TWICE})["body"]["sourcePath"]
            session.request("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 3}]})
            msg_id = session.kc.execute("twice(2)")
            thread = session.event("stopped")["body"]["threadId"]
            session.request("stackTrace", {"threadId": thread})
            session.request("continue", {"threadId": thread})
            shell_reply(session.kc, msg_id)
            session.request("inspectVariables")
            session.request("disconnect", {"terminateDebuggee": False})
            session.start()
            for pid in adapter_pids(session.km.provisioner.process.pid):
                os.kill(pid, signal.SIGKILL)
            session.event("terminated")
            execute(session.kc, "int later = 1;")
            session.kc.shutdown()
            status = session.km.provisioner.process.wait(timeout=TIMEOUT)
        finally:
            session.kc.stop_channels()
            session.km.cleanup_resources()
    text = log_path.read_text(errors="replace")
    assert "Sanitizer" not in text, text[-4000:]
    assert status == 0


def worker_children(km):
    worker = kernel_processes(km)[1]
    found = []
    for task in os.listdir(f"/proc/{worker}/task"):
        with open(f"/proc/{worker}/task/{task}/children") as f:
            found += [int(p) for p in f.read().split()]
    return found


def test_no_rollback_snapshot_while_the_debugger_is_attached(debug):
    """lldb's breakpoints are int3s in the worker's code: a snapshot forked
    then would carry them (kernel/worker/worker_snapshot.c)."""
    execute(debug.kc, "int before_debugging = 1;")
    assert worker_children(debug.km), "a snapshot before the debugger starts"
    debug.start()
    reply, outputs = execute(debug.kc, "int while_debugging = 2;")
    assert reply["content"]["status"] == "ok"
    assert "no rollback snapshot while a debugger is attached" in stdout_of(outputs, "stderr")
    assert worker_children(debug.km) == [], "none while it is attached"
    assert debug.request("disconnect", {"restart": False, "terminateDebuggee": False})["success"]
    execute(debug.kc, "int after_debugging = 3;")
    assert worker_children(debug.km), "and snapshots again once it is gone"
