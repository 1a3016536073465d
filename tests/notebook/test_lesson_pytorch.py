# SPDX-License-Identifier: BSD-3-Clause
"""The original PyTorch lesson (its code cells: bench/lesson-pytorch.ipynb,
made from ../shared/lesson/lesson-pytorch.txt) in the venv's Python 3 kernel,
executed with nbconvert beside the C lesson: the course's Python lessons run
in the JupyterLab the set-up installs, pictures included (ipykernel's inline
matplotlib with Debian's matplotlib, PyTorch and torchvision).  Shortened to
one epoch per training (the benchmark, bench/lesson_vs_pytorch.py, runs it
whole), with the benchmark's data layout."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from lesson_support import PYTHON3, SRCDIR, artifacts_dir, run_dir

sys.path.insert(0, os.path.join(SRCDIR, "bench"))
import lesson_vs_pytorch  # noqa: E402  (the benchmark's data placement)

NOTEBOOK = os.path.join(SRCDIR, "bench", "lesson-pytorch.ipynb")

needs_torch = pytest.mark.skipif(
    subprocess.run([PYTHON3, "-c", "import torch, torchvision, sklearn, seaborn"],
                   capture_output=True).returncode != 0,
    reason="needs Debian's python3-torch, -torchvision, -sklearn, -seaborn (scripts/setup-debian)")
pytestmark = needs_torch


def one_epoch(src, dest):
    with open(src, encoding="utf-8") as f:
        nb = json.load(f)
    edited = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if re.search(r"^epochs = \d+$", text, re.M):
            cell["source"] = re.sub(r"^epochs = \d+$", "epochs = 1", text,
                                    flags=re.M).splitlines(keepends=True)
            edited += 1
    assert edited == 3, "the lesson's three trainings"
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(nb, f, ensure_ascii=False, indent=1)


@pytest.fixture(scope="module")
def executed():
    work = run_dir("lesson-pytorch")
    lesson_vs_pytorch.place_data(work, lesson_vs_pytorch.RUNS["pytorch"]["data"])
    one_epoch(NOTEBOOK, os.path.join(work, "lesson.ipynb"))
    run = subprocess.run(
        [PYTHON3, "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
         "--ExecutePreprocessor.kernel_name=python3", "--ExecutePreprocessor.timeout=1800",
         "--ExecutePreprocessor.startup_timeout=120", "--output", "executed", "lesson.ipynb"],
        cwd=work, capture_output=True, text=True, timeout=2400)
    assert run.returncode == 0, run.stderr[-4000:]
    shutil.copy(os.path.join(work, "executed.ipynb"),
                os.path.join(artifacts_dir(), "lesson-pytorch.executed.ipynb"))
    with open(os.path.join(work, "executed.ipynb"), encoding="utf-8") as f:
        return json.load(f)


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_the_python_kernel_runs_every_cell_without_error(executed):
    cells = code_cells(executed)
    assert cells and all(c["execution_count"] for c in cells)
    errors = [f"{c['id']}: {o['ename']}: {o['evalue']}" for c in cells
              for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []


def test_the_plots_are_pictures(executed):
    """The sample grids of MNIST and Fashion-MNIST and the confusion heat map
    (plt.show() in the inline backend): PNG images, not a figure's repr."""
    plotting = [c for c in code_cells(executed) if "plt.show()" in "".join(c["source"])]
    assert len(plotting) >= 3
    for cell in plotting:
        pngs = [o["data"]["image/png"] for o in cell["outputs"]
                if o["output_type"] == "display_data" and "image/png" in o.get("data", {})]
        assert pngs, f"{cell['id']} shows no picture"
        assert all(len(p) > 1000 for p in pngs)


def test_the_trainings_reach_the_test_accuracy(executed):
    text = "".join("".join(o.get("text", "")) for c in code_cells(executed)
                   for o in c["outputs"] if o["output_type"] == "stream")
    accuracies = [float(x) for x in re.findall(r"Finale Test Accuracy: ([0-9.]+)%", text)]
    assert len(accuracies) >= 2, text[-2000:]
    assert all(a > 70 for a in accuracies), accuracies
