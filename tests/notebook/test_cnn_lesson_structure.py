# SPDX-License-Identifier: BSD-3-Clause
"""The CNN lesson notebooks as files: valid, meant for the cnb kernel, saved
without outputs, German and English cell by cell the same lesson, and the
steps of the lesson in order, each a C cell (no kernel needed)."""
import json

import nbformat
import pytest

from lesson_support import CNN_NOTEBOOK_DE, CNN_NOTEBOOK_EN, code_cells, source
from test_lesson_structure import without_strings_and_comments

NOTEBOOKS = [CNN_NOTEBOOK_DE, CNN_NOTEBOOK_EN]


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
            f"code cell {i} was saved with outputs; clear them before committing")


def test_english_mirrors_german_cell_by_cell():
    de, en = load(CNN_NOTEBOOK_DE), load(CNN_NOTEBOOK_EN)
    assert [c["cell_type"] for c in de["cells"]] == [c["cell_type"] for c in en["cells"]]
    for n, (a, b) in enumerate(zip(code_cells(de), code_cells(en))):
        assert without_strings_and_comments(source(a)) == without_strings_and_comments(source(b)), (
            f"code cell {n} differs between the German and the English CNN lesson")


def test_the_lesson_steps_in_order():
    """Every step of the lesson is C code in a cell of its own, in order."""
    code = "\n".join(source(c) for c in code_cells(load(CNN_NOTEBOOK_DE)))
    steps = ["manual_seed(", "fashion_mnist(", "random_split(", "cuda_available()", "dataloader(",
             "show_images(", "conv2d(1, 16, 3", "max_pool2d(2)", "flatten(),", "linear(32 * 7 * 7",
             "model_summary(model, 1, 28, 28)", "model_parameter_count(", "EvalResult evaluate_model(",
             "void train_model(", "train_model(mlp_model", "step_lr(optimizer", "train_model(model", "model_load(",
             "plot_lines(", "show_filters(model, 0)", "show_feature_maps(", "confusion_matrix(",
             "show_confusion_matrix(", "argmax_rows(", ".titles = wrong_title_ptrs", "mnist(",
             "train_model(model"]
    at = 0
    for step in steps:
        found = code.find(step, at)
        assert found >= 0, f"{step!r} missing or out of order"
        at = found


def test_every_explanation_is_followed_by_code():
    """Markdown explains, C does: no two explanations without a cell between
    them except the title, and the lesson ends with its outlook."""
    cells = load(CNN_NOTEBOOK_DE)["cells"]
    kinds = [c["cell_type"] for c in cells]
    for i in range(1, len(kinds) - 1):
        assert not (kinds[i] == "markdown" and kinds[i + 1] == "markdown"), (
            f"cells {i} and {i + 1} are both explanations")


def test_explanations_for_students():
    text = "\n".join(source(c) for c in load(CNN_NOTEBOOK_DE)["cells"] if c["cell_type"] == "markdown")
    for topic in ("Was macht eine Faltung", "Was macht Pooling", "Warum `flatten()` erst am Ende",
                  "Parameter", "Feature Map", "Confusion-Matrix"):
        assert topic in text, topic
