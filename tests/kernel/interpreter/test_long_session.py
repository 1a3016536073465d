# SPDX-License-Identifier: BSD-3-Clause
"""A long session stays small (a bounded version of bench/long_session.py,
which runs 10,000 cells): statement cells leave no files and no memory
behind once they have run, defining cells cost a bounded amount each, and
the kernel works as at the start.  Memory figures are resident set sizes
of the front and worker processes; the bounds are generous against noise
(allocator pools, page granularity) yet far below what keeping one
library per cell costs (about 20 KiB of worker memory and two files each)."""

import os

import pytest

from front_support import isolate_history, needs_kernel, execute, start_kernel, stop_kernel, text_result
from long_session import defining_cells, run_cells, snapshot, statement_cells

pytestmark = needs_kernel
isolate_history('long-session')

WARM_UP = 100
STATEMENTS = int(os.environ.get("CNB_LONG_SESSION_CELLS", "600"))
DEFINING = 100


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    km, kc = start_kernel(env={"TMPDIR": str(folder)})
    (work,) = [p for p in os.listdir(folder) if p.startswith("cnb-kernel-")]
    reply, _ = execute(kc, "int counter = 0;")
    assert reply["content"]["status"] == "ok"
    yield km, kc, os.path.join(folder, work)
    stop_kernel(km, kc)


def test_statement_cells_leave_nothing_behind(session):
    km, kc, work = session
    run_cells(kc, statement_cells(WARM_UP))
    before = snapshot(km, work)
    run_cells(kc, statement_cells(STATEMENTS))
    after = snapshot(km, work)
    _, outputs = execute(kc, "counter")
    assert text_result(outputs) == str(WARM_UP + STATEMENTS)
    assert after["files"] <= before["files"] + 1, "an unloaded cell's files are removed"
    worker_growth = after["worker_rss"] - before["worker_rss"]
    front_growth = after["front_rss"] - before["front_rss"]
    print(f"# {STATEMENTS} statement cells: worker {worker_growth / STATEMENTS:.0f} B/cell, "
          f"front {front_growth / STATEMENTS:.0f} B/cell")
    assert worker_growth < 2 * 1024 * 1024
    assert front_growth < 4 * 1024 * 1024


def test_defining_cells_cost_a_bounded_amount_each(session):
    km, kc, work = session
    before = snapshot(km, work)
    run_cells(kc, defining_cells(0, DEFINING))
    after = snapshot(km, work)
    per_cell = (after["worker_rss"] + after["front_rss"] - before["worker_rss"] - before["front_rss"]) / DEFINING
    print(f"# {DEFINING} defining cells: {per_cell:.0f} B/cell (front + worker)")
    assert per_cell < 256 * 1024
    _, outputs = execute(kc, f"value_{DEFINING - 1} + counter")
    assert text_result(outputs) is not None


def test_a_statement_cell_that_keeps_a_string_stays_loaded(session):
    """`greeting = "hi";` stores the address of a literal that lives in the
    cell's library: that library must stay, or greeting dangles."""
    _, kc, _ = session
    execute(kc, "const char *greeting;")
    reply, _ = execute(kc, 'greeting = "hello from a statement cell";')
    assert reply["content"]["status"] == "ok"
    run_cells(kc, statement_cells(5))
    _, outputs = execute(kc, "greeting")
    assert "hello from a statement cell" in text_result(outputs)
