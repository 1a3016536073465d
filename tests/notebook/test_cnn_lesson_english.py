# SPDX-License-Identifier: BSD-3-Clause
"""The English CNN lesson, every cell executed with nbconvert, with one epoch
per training: its code differs from the German one only in strings and
comments (test_cnn_lesson_structure.py), so a short run shows that each of
its cells compiles and runs and prints English; the German run checks the
accuracies."""
import os

import pytest

from lesson_support import (CNN_NOTEBOOK_EN, accuracies, all_text, cell_problems, cells_calling,
                            execute_in, one_epoch_each, pngs_of, run_dir)

NAME = "lesson-cnn"


@pytest.fixture(scope="module")
def executed():
    work = run_dir("cnn-lesson-run-en")
    one_epoch_each(CNN_NOTEBOOK_EN, os.path.join(work, NAME + ".ipynb"), expected=3)
    return execute_in(work, NAME, NAME + ".short.executed")[0]


def test_every_cell_runs_without_errors(executed):
    problems = cell_problems(executed)
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
