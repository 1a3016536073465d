#!/usr/bin/python3
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
from long_session import median_ms, run_cells, snapshot  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=10000)
    parser.add_argument("--window", type=int, default=1000)
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
        _, outputs = execute(kc, "counter")
        assert text_result(outputs) == str(50 + statements)
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
    return 0 if last <= 1.2 * first else 1


if __name__ == "__main__":
    sys.exit(main())
