#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The round trip of a cell that includes a header no earlier cell
included (cnb asks the preprocessor which macros it brings, issue 22),
for two kernels taking turns: each round starts a fresh kernel of each,
warms it with a trivial cell, then times the include cell once.

  new_include.py --kernels cnb-before,cnb [--rounds N] [--code C]

Prints the median of the rounds for each kernel and the median ratio."""

import argparse
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager


def one(name, code):
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive("int warm = 1;", timeout=60)
        began = time.perf_counter()
        reply = kc.execute_interactive(code, timeout=60)
        seconds = time.perf_counter() - began
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{name}: {reply['content']}")
        return seconds
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernels", default="cnb-before,cnb")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--code", default="#include <sys/stat.h>\nint made = 1;")
    args = parser.parse_args()
    names = args.kernels.split(",")
    times = {name: [] for name in names}
    for _ in range(args.rounds):
        for name in names:
            times[name].append(one(name, args.code))
    print(f"new include cell {args.code!r}, median of {args.rounds} ({os.cpu_count()} CPUs)")
    for name in names:
        print(f"{name:<12} {statistics.median(times[name]) * 1000:>8.1f} ms")
    ratios = [b / a for a, b in zip(times[names[0]], times[names[1]])]
    print(f"{names[1]} / {names[0]}: {statistics.median(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
