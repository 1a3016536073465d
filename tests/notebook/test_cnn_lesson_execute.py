# SPDX-License-Identifier: BSD-3-Clause
"""The German CNN lesson, executed top to bottom as the teacher does it, with
`jupyter nbconvert --execute` and the cnb kernel, in full (every training as
the lesson has it): the accuracies the lesson promises (Fashion-MNIST >= 91 %,
MNIST >= 99 %), the pictures, the checkpoints.

The lesson trains for minutes, so it runs once (a module fixture): the
executed notebook is read cell by cell, and the handout is that same
notebook exported with handout/nbconvert_config.py (what
`scripts/run-lesson notebooks/lektion-cnn.ipynb` writes, without executing it
a second time).
"""
import os
import re
import shutil
import subprocess

import pytest

from lesson_support import (CNN_NOTEBOOK_DE, PYTHON3, SRCDIR, accuracies,
                            all_text, artifacts_dir, cells_calling, code_cells, execute_in, png_size,
                            pngs_of, run_dir, source, text_of)

NAME = "lektion-cnn"


@pytest.fixture(scope="module")
def executed():
    """Runs the notebook in a copy (data/ and models/ land in the build tree),
    going on after errors so that the tests can name them."""
    work = run_dir("cnn-lesson-run")
    shutil.copy(CNN_NOTEBOOK_DE, os.path.join(work, NAME + ".ipynb"))
    nb, path = execute_in(work, NAME, NAME + ".executed", timeout=1800)
    return {"nb": nb, "work": work, "path": path}


@pytest.fixture(scope="module")
def handout(executed):
    """The executed notebook as the HTML handout (pictures inlined, formulas as MathML)."""
    out = artifacts_dir()
    run = subprocess.run(
        [PYTHON3, "-m", "jupyter", "nbconvert",
         "--config", os.path.join(SRCDIR, "handout", "nbconvert_config.py"), "--to", "html",
         "--output", NAME, "--output-dir", out, executed["path"]],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"nbconvert --to html failed:\n{run.stderr[-4000:]}"
    with open(os.path.join(out, NAME + ".html"), encoding="utf-8") as f:
        return f.read()


def nb(executed):
    return executed["nb"]


def cell_with(executed, text):
    found = [c for c in code_cells(nb(executed)) if text in source(c)]
    assert found, f"no code cell contains {text!r}"
    return found[0]


def test_every_code_cell_ran(executed):
    missing = [i for i, c in enumerate(code_cells(nb(executed))) if not c.get("execution_count")]
    assert not missing, f"code cells without an execution count: {missing}"


def test_no_errors(executed):
    errors = []
    for i, cell in enumerate(code_cells(nb(executed))):
        errors += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}\n"
                   + "\n".join(o.get("traceback", []))[:2000]
                   for o in cell["outputs"] if o["output_type"] == "error"]
        # The runtime reports failures as "cnb: function: message" on stderr.
        errors += [f"cell {i} stderr: {line}" for line in text_of(cell, "stderr").splitlines()
                   if line.startswith("cnb: ") or "error:" in line or "warning:" in line]
    assert not errors, "\n".join(errors)


def test_split_and_device(executed):
    text = all_text(nb(executed), "stdout")
    assert text.count("train: 60000, test: 5000, validation: 5000") == 1
    device = text_of(cell_with(executed, "cuda_available()"), "stdout").strip()
    assert re.fullmatch(r"cpu \(\d+ threads?\)|cuda \(.+, [\d.]+ GiB, [\d.]+ GiB free\)", device)


def test_summary_shows_where_32_7_7_comes_from(executed):
    out = text_of(cell_with(executed, "model_summary(model, 1, 28, 28)"), "stdout")
    assert re.search(r"Conv2d-1\s+\[-1, 16, 28, 28\]\s+160", out)
    assert re.search(r"MaxPool2d-8\s+\[-1, 32, 7, 7\]", out)
    assert re.search(r"Flatten-9\s+\[-1, 1568\]", out)
    cnn, mlp = map(int, re.search(r"CNN: (\d+), MLP: (\d+)", out).groups())
    assert mlp == 242762 and cnn < mlp, "the CNN has fewer parameters than the MLP"


def test_training_prints_like_the_first_lesson(executed):
    cells = cells_calling(nb(executed), "train_model")[1:]     # the definition aside
    assert len(cells) == 3, "MLP and CNN on Fashion-MNIST, the CNN on MNIST"
    for cell in cells:
        out = text_of(cell, "stdout")
        assert re.search(r"Epoch \[1/\d+\], Step \[200/938\], Loss: \d+\.\d{4}", out)
        last = re.findall(r"Epoch \[(\d+)/(\d+)\] - Validation Loss: \d+\.\d{4}, "
                          r"Validation Accuracy: \d+\.\d{2}%", out)
        assert last, "validation every epoch"
        epoch, epochs = map(int, last[-1])
        assert epoch == epochs or "Early Stopping triggered." in out
        assert ">>> Found a better model and saved it at 'models/" in out


def test_checkpoints_are_saved(executed):
    models = os.path.join(executed["work"], "models")
    sizes = {name: os.path.getsize(os.path.join(models, name))
             for name in ("mlp_best_model_fashion_mnist.safetensors",
                          "cnn_best_model_fashion_mnist.safetensors",
                          "cnn_best_model_mnist.safetensors")}
    assert sizes.pop("mlp_best_model_fashion_mnist.safetensors") > 4 * 242762
    # the CNN's 207018 parameters and its batch norms' running statistics
    assert all(size > 4 * (207018 + 2 * (16 + 32)) for size in sizes.values()), sizes


def test_accuracies_reach_what_the_lesson_promises(executed):
    text = all_text(nb(executed), "stdout")
    mlp = accuracies(text, "Finale Test Accuracy (MLP)")
    cnn = accuracies(text, "Finale Test Accuracy (CNN)")
    mnist = accuracies(text, "Finale Test Accuracy (CNN, MNIST)")
    assert len(mlp) == len(cnn) == len(mnist) == 1, (mlp, cnn, mnist)
    assert mlp[0] >= 85.0
    assert cnn[0] >= 91.0, "the CNN reaches 91 % on Fashion-MNIST"
    assert cnn[0] > mlp[0]
    assert mnist[0] >= 99.0, "and 99 % on MNIST"


def test_confusion_matrix_matches_the_test_accuracy(executed):
    cnn = accuracies(all_text(nb(executed), "stdout"), "Finale Test Accuracy (CNN)")[0]
    cell = cells_calling(nb(executed), "show_confusion_matrix")[0]
    m = re.search(r"richtig: (\d+) / (\d+) = ([0-9.]+)%", text_of(cell, "stdout"))
    assert m, text_of(cell)
    assert int(m.group(2)) == 5000 and abs(float(m.group(3)) - cnn) < 0.011
    width, height = png_size(pngs_of(cell)[0])
    assert width >= 400 and height >= 300


def test_pictures(executed):
    """Sample images, the two curves, the filters, one image and its feature
    maps after each convolution, the confusion matrix, the misclassified images."""
    counts = {call: [len(pngs_of(c)) for c in cells_calling(nb(executed), call)]
              for call in ("show_images", "plot_lines", "show_filters", "show_feature_maps",
                           "show_confusion_matrix")}
    assert counts["show_images"] == [1, 3, 1], counts     # samples; image + 2 maps; errors
    assert counts["plot_lines"] == [2]
    assert counts["show_filters"] == [1]
    assert counts["show_feature_maps"] == [3]
    assert counts["show_confusion_matrix"] == [1]
    width, height = png_size(pngs_of(cells_calling(nb(executed), "show_images")[0])[0])
    assert width > 2 * height, "six images in one row"


def test_misclassified_images_are_shown(executed):
    cell = cell_with(executed, ".titles = wrong_title_ptrs")
    assert len(pngs_of(cell)) == 1
    # Eight wrong predictions among 5000 are always found: the picture has two rows of four.
    width, height = png_size(pngs_of(cell)[0])
    assert width > height


def test_html_handout(handout):
    pictures = re.findall(r'<img [^>]*src="data:image/png;base64,', handout)
    assert len(pictures) == 9, f"{len(pictures)} embedded PNG pictures"
    assert "<math" in handout and "mathjax" not in handout.lower()
    assert re.search(r"Epoch \[1/\d+\], Step \[200/938\], Loss: \d", handout)
    assert accuracies(handout, "Finale Test Accuracy (CNN)")[0] >= 91.0
    assert accuracies(handout, "Finale Test Accuracy (CNN, MNIST)")[0] >= 99.0
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in handout, "an error or stderr output"
    for word in ("Traceback", "CompileError", "SIGSEGV", "cnb: "):
        assert word not in handout
