#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The cost of late binding: a call from one cell's function to a function
of another cell, in a tight loop, before and after that function is defined
again (the call then goes to the new definition), against a call to a
noinline static function of the same cell (no GOT, no PLT).

Each figure is the best and the median of R runs (default 7; --runs R) of a
loop of N calls (default 2e8; --calls N), in ns per call, in one kernel
started through jupyter_client (the cnb kernelspec on JUPYTER_PATH; `make
bench` points it at the build tree's tests/jupyter)."""

import argparse
import statistics

from jupyter_client.manager import KernelManager

SETUP = [
    "#include <time.h>",
    "int step(int x) { return x + 1; }",
    """static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
__attribute__((noinline)) static int step_here(int x) { __asm__ volatile(""); return x + 1; }
double across_cells(long n) { double t = now(); int v = 0; for (long i = 0; i < n; i++) v = step(v); __asm__ volatile("" : : "r"(v)); return now() - t; }
double within_cell(long n) { double t = now(); int v = 0; for (long i = 0; i < n; i++) v = step_here(v); __asm__ volatile("" : : "r"(v)); return now() - t; }""",
]


def run(kc, code):
    reply = kc.execute_interactive(code, timeout=600, output_hook=lambda m: outputs.append(m))
    assert reply["content"]["status"] == "ok", reply["content"]


outputs = []


def seconds(kc, call):
    outputs.clear()
    run(kc, f'printf("%.9f\\n", {call});')
    text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
    return float(text)


def measure(kc, label, calls, runs):
    for function in ("across_cells", "within_cell"):
        times = [seconds(kc, f"{function}({calls})") / calls * 1e9 for _ in range(runs)]
        print(f"{label:34} {function:13} best {min(times):.3f} ns/call, median {statistics.median(times):.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200_000_000)
    args = parser.parse_args()
    km = KernelManager(kernel_name="cnb")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        for code in SETUP:
            run(kc, code)
        measure(kc, "step as first defined", args.calls, args.runs)
        run(kc, "int step(int x) { return x + 1; }")
        measure(kc, "step defined again (late-bound)", args.calls, args.runs)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
