#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A whole-day class session in one kernel: 10,000 small cells (--cells N),
nine statement cells (`counter += 1;`, unloaded once run) to one defining
cell (`int value_K = K;`, kept).  Reports the memory of the front and the
worker before and after, the bytes each defining and each statement cell
leaves behind, the files left in the work folder, and the median round
trip of the first and the last 1000 cells (the last must be within 20% of
the first: exit status 1 otherwise).

Run from the build tree: `make -C _build/bench bench-long-session`."""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "kernel"))

from front_support import execute, start_kernel, stop_kernel, text_result  # noqa: E402
from long_session import kernel_processes, median_ms, run_cells, snapshot  # noqa: E402


def cpu_seconds(km):
    """CPU time of the front and the worker, with the compilers they waited for."""
    total = 0
    for pid in kernel_processes(km):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += sum(int(x) for x in fields[11:15])     # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def in_turns(sessions, rounds):
    """Statement cells run in turn on each (km, kc): round trips and CPU seconds of each."""
    times, cpu = [[] for _ in sessions], [0.0 for _ in sessions]
    for _ in range(rounds):
        for i, (km, kc) in enumerate(sessions):
            before = cpu_seconds(km)
            times[i] += run_cells(kc, ["counter += 1;"])
            cpu[i] += cpu_seconds(km) - before
    return times, cpu


def fresh_kernel(folder):
    km, kc = start_kernel(env={"TMPDIR": folder})
    execute(kc, "int counter = 0;")
    run_cells(kc, ["counter += 1;"] * 50)
    return km, kc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=10000)
    parser.add_argument("--window", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="cnb-long-")
    km, kc = start_kernel(env={"TMPDIR": folder})
    try:
        (work,) = [p for p in os.listdir(folder) if p.startswith("cnb-kernel-")]
        work = os.path.join(folder, work)
        execute(kc, "int counter = 0;")
        run_cells(kc, ["counter += 1;"] * 50)
        before = snapshot(km, work)
        times, statements, definitions = [], 0, 0
        for k in range(args.cells):
            if k % 10 == 9:
                times += run_cells(kc, [f"int value_{k} = {k};"])
                definitions += 1
            else:
                times += run_cells(kc, ["counter += 1;"])
                statements += 1
        after = snapshot(km, work)
        fresh = fresh_kernel(folder)
        try:
            (long_times, fresh_times), (long_cpu, fresh_cpu) = in_turns([(km, kc), fresh], args.rounds)
        finally:
            stop_kernel(*fresh)
        _, outputs = execute(kc, "counter")
        assert text_result(outputs) == str(50 + statements + args.rounds)
    finally:
        stop_kernel(km, kc)
    first, last = median_ms(times[:args.window]), median_ms(times[-args.window:])
    grown = after["front_rss"] + after["worker_rss"] - before["front_rss"] - before["worker_rss"]
    print(f"cells: {args.cells} ({statements} statement cells, {definitions} defining cells)")
    print(f"front RSS: {before['front_rss'] / 2**20:.1f} -> {after['front_rss'] / 2**20:.1f} MiB; "
          f"worker RSS: {before['worker_rss'] / 2**20:.1f} -> {after['worker_rss'] / 2**20:.1f} MiB")
    print(f"growth: {grown / 2**20:.1f} MiB in all, {grown / max(definitions, 1):.0f} B per defining cell "
          f"(statement cells counted in)")
    print(f"work folder files: {before['files']} -> {after['files']}")
    print(f"median round trip: first {args.window}: {first:.1f} ms, last {args.window}: {last:.1f} ms "
          f"({100 * (last / first - 1):+.1f}%)")
    long_ms, fresh_ms = median_ms(long_times), median_ms(fresh_times)
    print(f"then in turns with a fresh kernel, {args.rounds} statement cells each: median {long_ms:.1f} ms "
          f"against {fresh_ms:.1f} ms ({100 * (long_ms / fresh_ms - 1):+.1f}%); CPU per cell "
          f"{1000 * long_cpu / args.rounds:.1f} ms against {1000 * fresh_cpu / args.rounds:.1f} ms "
          f"({100 * (long_cpu / fresh_cpu - 1):+.1f}%)")
    return 0 if long_ms <= 1.2 * fresh_ms else 1


if __name__ == "__main__":
    sys.exit(main())
