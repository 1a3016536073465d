#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Kernel latency: cnb against ipykernel, measured in the same run.

  start       launch of the kernel process to its first kernel_info_reply
  trivial     round trip of a trivial cell (cnb: `int x = 1;`, ipykernel:
              `x = 1`): execute_request sent to execute_reply *and* status
              idle received, as a frontend sees it

Each figure is the median of N runs (default 50; --runs N).  The client is
raw ZeroMQ with jupyter_client's Session (signing), with a 2 ms reconnect
interval so the client's own retry delay does not pad the start time.

Usage: kernel_latency.py [--runs N] [--kernels cnb,python3]
       kernel_latency.py --paired cnb-before,cnb [--runs N] [--code C] [--setup C|@FILE]
--paired compares two kernels of one language on a loaded machine: both
run at once and take turns, cell by cell, so that both see the same load;
it prints each one's median round trip and their ratio per pair.
The cnb kernelspec is looked up on JUPYTER_PATH (`make bench` points it at
the build tree's tests/jupyter)."""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import zmq
from jupyter_client.connect import write_connection_file
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.session import Session

TRIVIAL = {"c": "int x = 1;", "python": "x = 1"}  # by kernel language
TIMEOUT_S = 60


class Kernel:
    """One launched kernel with raw shell, control and iopub sockets."""

    def __init__(self, name, context, folder):
        spec = KernelSpecManager().get_kernel_spec(name)
        key = uuid.uuid4().hex.encode()
        self.session = Session(key=key)
        path = os.path.join(folder, f"kernel-{uuid.uuid4().hex}.json")
        self.connection_file, info = write_connection_file(path, ip="127.0.0.1", key=key)
        self.sockets = {}
        for channel, kind in (("shell", zmq.DEALER), ("control", zmq.DEALER), ("iopub", zmq.SUB)):
            socket = context.socket(kind)
            socket.setsockopt(zmq.LINGER, 0)
            socket.setsockopt(zmq.RECONNECT_IVL, 2)
            if kind == zmq.SUB:
                socket.setsockopt(zmq.SUBSCRIBE, b"")
            socket.connect(f"tcp://127.0.0.1:{info[channel + '_port']}")
            self.sockets[channel] = socket
        argv = [a.format(connection_file=self.connection_file) for a in spec.argv]
        if argv[0] in ("python", "python3"):
            argv[0] = sys.executable
        env = dict(os.environ)
        env.update(spec.env or {})
        self.argv, self.env = argv, env
        self.language = spec.language
        self.process = None

    def launch(self):
        self.process = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def receive(self, channel, want):
        """Receives on channel until want(msg) is true."""
        socket = self.sockets[channel]
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if socket.poll(100):
                _, msg = self.session.recv(socket, mode=zmq.NOBLOCK)
                if msg and want(msg):
                    return msg
            elif self.process.poll() is not None:
                raise RuntimeError(f"kernel exited with {self.process.returncode}")
        raise TimeoutError("no reply")

    def request(self, msg_type, content, channel="shell"):
        return self.session.send(self.sockets[channel], msg_type, content)["header"]["msg_id"]

    def round_trip(self, code):
        msg_id = self.request("execute_request", {"code": code, "silent": False, "store_history": True,
                                                  "user_expressions": {}, "allow_stdin": False,
                                                  "stop_on_error": True})
        reply = self.receive("shell", lambda m: m["parent_header"].get("msg_id") == msg_id)
        self.receive("iopub", lambda m: m["parent_header"].get("msg_id") == msg_id
                     and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle")
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{code!r} failed: {reply['content']}")

    def close(self):
        if self.process and self.process.poll() is None:
            self.request("shutdown_request", {"restart": False}, channel="control")
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for socket in self.sockets.values():
            socket.close()
        os.unlink(self.connection_file)


def measure_start(name, context, folder):
    kernel = Kernel(name, context, folder)
    started = time.perf_counter()
    kernel.launch()
    msg_id = kernel.request("kernel_info_request", {})
    kernel.receive("shell", lambda m: m["parent_header"].get("msg_id") == msg_id)
    return time.perf_counter() - started, kernel


def measure(name, runs, context, folder):
    starts = []
    for _ in range(runs):
        seconds, kernel = measure_start(name, context, folder)
        starts.append(seconds)
        kernel.close()
    seconds, kernel = measure_start(name, context, folder)
    try:
        # The first cell may build caches (cnb: the precompiled header): shown apart.
        first = time.perf_counter()
        kernel.round_trip(TRIVIAL[kernel.language])
        first = time.perf_counter() - first
        trips = []
        for _ in range(runs):
            began = time.perf_counter()
            kernel.round_trip(TRIVIAL[kernel.language])
            trips.append(time.perf_counter() - began)
    finally:
        kernel.close()
    return statistics.median(starts), first, statistics.median(trips)


def paired(names, runs, code, setup, context, folder):
    """Median round trips of two kernels taking turns, and the median ratio."""
    kernels = [measure_start(name, context, folder)[1] for name in names]
    try:
        for kernel in kernels:
            if setup:
                kernel.round_trip(setup)
            kernel.round_trip(code or TRIVIAL[kernel.language])
        trips = [[], []]
        for _ in range(runs):
            for i, kernel in enumerate(kernels):
                began = time.perf_counter()
                kernel.round_trip(code or TRIVIAL[kernel.language])
                trips[i].append(time.perf_counter() - began)
    finally:
        for kernel in kernels:
            kernel.close()
    ratios = [b / a for a, b in zip(*trips)]
    print(f"paired round trips, median of {runs} ({os.cpu_count()} CPUs), code {code or 'trivial'!r}"
          + (f" after a setup cell of {len(setup)} characters" if setup else ""))
    for name, t in zip(names, trips):
        print(f"{name:<12} {statistics.median(t) * 1000:>8.1f} ms")
    print(f"{names[1]} / {names[0]}: {statistics.median(ratios):.3f} (median of the per-pair ratios)")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--kernels", default="cnb,python3")
    parser.add_argument("--paired", help="two kernels of one language, e.g. cnb-before,cnb")
    parser.add_argument("--code", help="the cell for --paired (default: the trivial cell)")
    parser.add_argument("--setup", help="a cell each --paired kernel runs first (a file's text with @FILE)")
    args = parser.parse_args()
    context = zmq.Context()
    if args.paired:
        with tempfile.TemporaryDirectory(prefix="cnb-bench-") as folder:
            setup = args.setup
            if setup and setup.startswith("@"):
                with open(setup[1:]) as file:
                    setup = file.read()
            return paired(args.paired.split(","), args.runs, args.code, setup, context, folder)
    results = {}
    with tempfile.TemporaryDirectory(prefix="cnb-bench-") as folder:
        for name in args.kernels.split(","):
            try:
                results[name] = measure(name, args.runs, context, folder)
            except Exception as error:  # a missing kernel must not hide the other's figures
                print(f"{name}: not measured: {error}", file=sys.stderr)
    print(f"Kernel latency, median of {args.runs} ({os.cpu_count()} CPUs)")
    print(f"{'kernel':<10} {'start (s)':>10} {'first cell (ms)':>16} {'trivial cell (ms)':>18}")
    for name, (start, first, trip) in results.items():
        print(f"{name:<10} {start:>10.3f} {first * 1000:>16.1f} {trip * 1000:>18.1f}")
    if "cnb" in results and "python3" in results:
        cnb, py = results["cnb"], results["python3"]
        print(f"cnb / ipykernel: start {cnb[0] / py[0]:.2f}x, trivial cell {cnb[2] / py[2]:.2f}x")
    print("targets: start <= 0.300 s, trivial cell <= 40 ms")
    return 0 if len(results) == len(args.kernels.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main())
