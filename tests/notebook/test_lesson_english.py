# SPDX-License-Identifier: BSD-3-Clause
"""The English lesson, every cell executed with nbconvert, but with one epoch
per training: its text differs from the German one only in strings, so a
short run shows that each of its cells compiles and runs (the German run
checks the accuracies)."""
import os

import pytest

from lesson_support import (NOTEBOOK_EN, accuracies, all_text, cell_problems, cells_calling,
                            execute_in, pngs_of, run_dir, shortened)

NAME = "lesson-classification"


@pytest.fixture(scope="module")
def executed():
    work = run_dir("lesson-run-en")
    shortened(NOTEBOOK_EN, os.path.join(work, NAME + ".ipynb"), fashion_epochs=1)
    return execute_in(work, NAME, NAME + ".short.executed")[0]


def test_every_cell_runs_without_errors(executed):
    problems = cell_problems(executed)
    assert not problems, "\n".join(problems)


def test_pictures(executed):
    assert [len(pngs_of(c)) for c in cells_calling(executed, "show_images")] == [1, 1]
    assert len(pngs_of(cells_calling(executed, "show_confusion_matrix")[0])) == 1


def test_english_output(executed):
    text = all_text(executed, "stdout")
    found = accuracies(text, "Final test accuracy")
    assert len(found) == 3 and all(a > 50 for a in found), found
    assert "correct: " in text
