# SPDX-License-Identifier: BSD-3-Clause
"""The English CNN lesson, every cell executed with nbconvert, with one epoch
per training: its code differs from the German one only in strings and
comments (test_cnn_lesson_structure.py), so a short run shows that each of
its cells compiles and runs and prints English; the German run checks the
accuracies."""
import json
import os
import subprocess

import pytest

from lesson_support import (CNN_NOTEBOOK_EN, KERNEL_NAME, PYTHON3, accuracies, all_text,
                            artifacts_dir, cells_calling, code_cells, one_epoch_each, pngs_of,
                            run_dir, text_of)

NAME = "lesson-cnn"


@pytest.fixture(scope="module")
def executed():
    work = run_dir("cnn-lesson-run-en")
    one_epoch_each(CNN_NOTEBOOK_EN, os.path.join(work, NAME + ".ipynb"), expected=3)
    out = artifacts_dir()
    run = subprocess.run(
        [PYTHON3, "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
         f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}", "--ExecutePreprocessor.timeout=900",
         "--ExecutePreprocessor.startup_timeout=120",
         "--output", NAME + ".short.executed", "--output-dir", out, NAME + ".ipynb"],
        cwd=work, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-4000:]
    with open(os.path.join(out, NAME + ".short.executed.ipynb"), encoding="utf-8") as f:
        return json.load(f)


def test_every_cell_runs_without_errors(executed):
    problems = []
    for i, cell in enumerate(code_cells(executed)):
        if not cell.get("execution_count"):
            problems.append(f"cell {i} did not run")
        problems += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}\n"
                     + "\n".join(o.get("traceback", []))[:2000]
                     for o in cell["outputs"] if o["output_type"] == "error"]
        problems += [f"cell {i} stderr: {line}" for line in text_of(cell, "stderr").splitlines()
                     if line.startswith("cnb: ") or "error:" in line or "warning:" in line]
    assert not problems, "\n".join(problems)


def test_pictures(executed):
    assert [len(pngs_of(c)) for c in cells_calling(executed, "show_images")] == [1, 3, 1]
    assert [len(pngs_of(c)) for c in cells_calling(executed, "plot_lines")] == [2]
    assert [len(pngs_of(c)) for c in cells_calling(executed, "show_filters")] == [1]
    assert [len(pngs_of(c)) for c in cells_calling(executed, "show_confusion_matrix")] == [1]


def test_english_output(executed):
    text = all_text(executed, "stdout")
    for label in ("Final test accuracy (MLP)", "Final test accuracy (CNN)",
                  "Final test accuracy (CNN, MNIST)"):
        found = accuracies(text, label)
        assert len(found) == 1 and found[0] > 50, (label, found)
    assert "Parameters CNN: " in text and "correct: " in text
    assert "Epoch [1/1] - Validation Loss: " in text
