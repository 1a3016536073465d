# SPDX-License-Identifier: BSD-3-Clause
"""The English lesson, every cell executed with nbconvert, but with one epoch
per training: its text differs from the German one only in strings, so a
short run shows that each of its cells compiles and runs (the German run
checks the accuracies)."""
import json
import os
import subprocess

import pytest

from lesson_support import (KERNEL_NAME, NOTEBOOK_EN, PYTHON3, accuracies, all_text,
                            artifacts_dir, cells_calling, code_cells, pngs_of, run_dir,
                            shortened, text_of)

NAME = "lesson-classification"


@pytest.fixture(scope="module")
def executed():
    work = run_dir("lesson-run-en")
    shortened(NOTEBOOK_EN, os.path.join(work, NAME + ".ipynb"), fashion_epochs=1)
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
        problems += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}"
                     for o in cell["outputs"] if o["output_type"] == "error"]
        problems += [f"cell {i} stderr: {line}" for line in text_of(cell, "stderr").splitlines()
                     if line.startswith("cnb: ") or "error:" in line or "warning:" in line]
    assert not problems, "\n".join(problems)


def test_pictures(executed):
    assert [len(pngs_of(c)) for c in cells_calling(executed, "show_images")] == [1, 1]
    assert len(pngs_of(cells_calling(executed, "show_confusion_matrix")[0])) == 1


def test_english_output(executed):
    text = all_text(executed, "stdout")
    found = accuracies(text, "Final test accuracy")
    assert len(found) == 3 and all(a > 50 for a in found), found
    assert "correct: " in text
