# SPDX-License-Identifier: BSD-3-Clause
"""A long class session in one kernel, shared by the CI test
(test_long_session.py, a few hundred cells) and the benchmark
(bench/long_session.py, 10,000 cells).

Cells alternate as a day of teaching does: mostly small statement cells
(`counter += 1;`, which are unloaded once they have run) and now and then a
cell that defines something (`int value_K = K;`, which stays: later cells
may use it).  Measured: the resident memory of the front process and of the
worker, the files in the work folder, and each cell's round trip (execute
request to reply and status idle)."""

import os
import statistics
import time

from front_support import execute


def process_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def kernel_processes(km):
    """(front pid, worker pid or None)."""
    front = km.provisioner.process.pid
    children = []
    for task in os.listdir(f"/proc/{front}/task"):
        with open(f"/proc/{front}/task/{task}/children") as f:
            children += [int(p) for p in f.read().split()]
    return front, (children[0] if children else None)


def snapshot(km, work_dir):
    front, worker = kernel_processes(km)
    return {"front_rss": process_rss(front), "worker_rss": process_rss(worker) if worker else 0,
            "files": len(os.listdir(work_dir)) if work_dir else 0}


def run_cells(kc, cells):
    """Runs cells; returns the round trip of each in seconds."""
    times = []
    for code in cells:
        start = time.perf_counter()
        reply, _ = execute(kc, code)
        times.append(time.perf_counter() - start)
        assert reply["content"]["status"] == "ok", (code, reply["content"])
    return times


def statement_cells(n):
    return ["counter += 1;"] * n


def defining_cells(first, n):
    return [f"int value_{k} = {k};" for k in range(first, first + n)]


def median_ms(times):
    return 1000 * statistics.median(times)
