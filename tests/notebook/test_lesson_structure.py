# SPDX-License-Identifier: BSD-3-Clause
"""The two lesson notebooks as files (the source of the lesson, edited in
JupyterLab): valid, meant for the cnb kernel, saved without outputs, and the
same lesson in German and English, cell by cell (no kernel needed)."""
import json
import re

import nbformat
import pytest

from lesson_support import NOTEBOOK_DE, NOTEBOOK_EN, code_cells, source

NOTEBOOKS = [NOTEBOOK_DE, NOTEBOOK_EN]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=["de", "en"])
def test_valid_notebook_for_the_cnb_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == {"name": "cnb", "display_name": "C (cnb)", "language": "c"}
    assert nb.metadata.language_info.name == "c"
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [] and cell.execution_count is None, (
            f"code cell {i} was saved with outputs; clear them before committing: "
            "jupyter nbconvert --clear-output --inplace notebooks/*.ipynb")


def without_strings_and_comments(code):
    code = re.sub(r'"(?:[^"\\\n]|\\.)*"', '""', code)
    return re.sub(r"//[^\n]*", "", code)


def test_english_mirrors_german_cell_by_cell():
    """The code may differ only in strings and comments (the printed words)."""
    de, en = load(NOTEBOOK_DE), load(NOTEBOOK_EN)
    assert [c["cell_type"] for c in de["cells"]] == [c["cell_type"] for c in en["cells"]]
    for n, (a, b) in enumerate(zip(code_cells(de), code_cells(en))):
        assert without_strings_and_comments(source(a)) == without_strings_and_comments(source(b)), (
            f"code cell {n} differs between the German and the English lesson:\n"
            f"{source(a)}\n---\n{source(b)}")


def test_the_lesson_steps_in_order():
    """The steps of the original lesson appear in its order."""
    code = "\n".join(source(c) for c in code_cells(load(NOTEBOOK_DE)))
    steps = ["manual_seed(", "mnist(", "random_split(", "custom_dataset(", "cuda_available()",
             "dataloader(", "show_images(", "sequential(", "cross_entropy_loss()", "adam(",
             "EvalResult evaluate_model(", "void train_model(", "epochs = 20;", "train_model(model",
             "model_load(", "dataset_mean_std(", "random_rotation(10)", "normalize(0.1307, 0.3081)",
             "epochs = 10;", "fashion_mnist(", "\"Ankle Boot\"", "fashion_mnist_classifier(void)",
             "confusion_matrix_add(", "show_confusion_matrix("]
    at = 0
    for step in steps:
        found = code.find(step, at)
        assert found >= 0, f"{step!r} missing or out of order"
        at = found


def test_questions_to_the_class():
    text = "\n".join(source(c) for c in load(NOTEBOOK_DE)["cells"] if c["cell_type"] == "markdown")
    for question in ("Was könnte man verbessern?", "Welche Loss-Funktion", "CNN"):
        assert question in text

