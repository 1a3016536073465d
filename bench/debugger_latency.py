#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""What the debugger costs: the round trip of a trivial cell (execute_request
to its reply) with the debugger off and on (lldb-vscode attached, cells
compiled -O0 under the debugger's paths), alternating the two in one kernel
so that machine load hits both alike; and a step's round trip under the
debugger (a `next` request to its `stopped` event).  Medians of N (default
30; --runs N), in ms, through jupyter_client with the cnb kernelspec on
JUPYTER_PATH (`make bench-debugger` points it at the build tree)."""

import argparse
import statistics
import time

from jupyter_client.manager import KernelManager

LOOP = "int walk(int n)\n{\n    int s = 0;\n    for (int i = 0; i < n; i++)\n        s += i;\n    return s;\n}\n"


class Session:
    def __init__(self):
        self.km = KernelManager(kernel_name="cnb")
        self.km.start_kernel()
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.seq = 0

    def request(self, command, arguments=None):
        self.seq += 1
        msg = self.kc.session.msg("debug_request", {"seq": self.seq, "type": "request",
                                                    "command": command, "arguments": arguments or {}})
        self.kc.control_channel.send(msg)
        while True:
            reply = self.kc.get_control_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                return reply["content"]

    def event(self, name):
        while True:
            msg = self.kc.get_iopub_msg(timeout=60)
            if msg["msg_type"] == "debug_event" and msg["content"]["event"] == name:
                return msg["content"]

    def cell_ms(self, code):
        start = time.perf_counter()
        reply = self.kc.execute_interactive(code, timeout=60, output_hook=lambda m: None)
        elapsed = time.perf_counter() - start
        assert reply["content"]["status"] == "ok", reply["content"]
        return elapsed * 1000

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    s = Session()
    try:
        s.cell_ms("int warm = 1;")
        assert s.request("initialize", {"clientID": "bench", "adapterID": "cnb"})["success"]
        off, on = [], []
        for i in range(runs):
            off.append(s.cell_ms(f"int off_{i} = {i};"))
            assert s.request("attach")["success"]
            on.append(s.cell_ms(f"int on_{i} = {i};"))
            assert s.request("disconnect")["success"]
            assert s.request("initialize", {"clientID": "bench", "adapterID": "cnb"})["success"]
        assert s.request("attach")["success"]
        s.cell_ms(LOOP)
        path = s.request("dumpCell", {"code": LOOP})["body"]["sourcePath"]
        assert s.request("setBreakpoints", {"source": {"path": path}, "breakpoints": [{"line": 5}]})["success"]
        msg_id = s.kc.execute(f"walk({runs + 10})")
        thread = s.event("stopped")["body"]["threadId"]
        steps = []
        for _ in range(runs):
            start = time.perf_counter()
            assert s.request("next", {"threadId": thread})["success"]
            s.event("stopped")
            steps.append((time.perf_counter() - start) * 1000)
        s.request("setBreakpoints", {"source": {"path": path}, "breakpoints": []})
        s.request("continue", {"threadId": thread})
        while s.kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
            pass
        print(f"trivial cell, debugger off: {statistics.median(off):.1f} ms (median of {runs})")
        print(f"trivial cell, debugger on:  {statistics.median(on):.1f} ms (median of {runs})")
        print(f"step (next -> stopped):     {statistics.median(steps):.1f} ms (median of {runs})")
    finally:
        s.close()


if __name__ == "__main__":
    main()
