# SPDX-License-Identifier: BSD-3-Clause
"""The German lesson, executed top to bottom as the teacher does it, with
`jupyter nbconvert --execute` and the cnb kernel.

Two runs (module fixtures, about 30 s each): `--to notebook` gives the
outputs that the tests read cell by cell; `--to html`, the README's command,
gives the handout, checked as HTML.
"""
import json
import os
import re
import shutil
import subprocess

import pytest

from lesson_support import (KERNEL_NAME, NOTEBOOK_DE, PYTHON3, SRCDIR, accuracies, all_text,
                            artifacts_dir, cells_calling, code_cells, png_size, pngs_of,
                            run_dir, source, text_of)

NAME = "lektion-klassifikation"


@pytest.fixture(scope="module")
def executed():
    """Runs the notebook in a copy (so data/ and models/ land in the build
    tree), keeps going on errors so that the tests can name them."""
    work = run_dir("lesson-run")
    shutil.copy(NOTEBOOK_DE, os.path.join(work, NAME + ".ipynb"))
    out = artifacts_dir()
    cmd = [PYTHON3, "-m", "nbconvert", "--to", "notebook", "--execute",
           "--allow-errors",
           f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
           "--ExecutePreprocessor.timeout=1800",
           "--ExecutePreprocessor.startup_timeout=120",
           "--output", NAME + ".executed", "--output-dir", out, NAME + ".ipynb"]
    run = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=3000)
    assert run.returncode == 0, f"nbconvert --execute failed:\n{run.stderr[-4000:]}"
    path = os.path.join(out, NAME + ".executed.ipynb")
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)

    return {"nb": nb, "work": work}


@pytest.fixture(scope="module")
def handout(executed):
    """The README's command as the teacher types it: executes the notebook
    once more and writes the HTML handout (the data copied by the first run
    is shared through a link)."""
    work = run_dir("lesson-handout")
    if not os.path.exists(os.path.join(work, "data")):
        os.symlink(os.path.join(executed["work"], "data"), os.path.join(work, "data"))
    shutil.copy(NOTEBOOK_DE, os.path.join(work, NAME + ".ipynb"))
    out = artifacts_dir()
    run = subprocess.run(
        [PYTHON3, "-m", "jupyter", "nbconvert",
         "--config", os.path.join(SRCDIR, "handout", "nbconvert_config.py"), "--to", "html", "--execute",
         "--ExecutePreprocessor.timeout=1800", f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}",
         "--output-dir", out, NAME + ".ipynb"],
        cwd=work, capture_output=True, text=True, timeout=3000)
    assert run.returncode == 0, f"nbconvert --to html --execute failed:\n{run.stderr[-4000:]}"
    with open(os.path.join(out, NAME + ".html"), encoding="utf-8") as f:
        return f.read()


def test_every_code_cell_ran(executed):
    missing = [i for i, c in enumerate(code_cells(executed["nb"]))
               if not c.get("execution_count")]
    assert not missing, f"code cells without an execution count: {missing}"


def test_no_error_outputs(executed):
    errors = []
    for i, cell in enumerate(code_cells(executed["nb"])):
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}\n"
                              + "\n".join(out.get("traceback", []))[:2000])
        # The runtime reports failures as "cnb: function: message" on stderr.
        for line in text_of(cell, "stderr").splitlines():
            if line.startswith("cnb: ") or "error:" in line or "warning:" in line:
                errors.append(f"cell {i} stderr: {line}")
    assert not errors, "\n".join(errors)


def test_device_is_printed(executed):
    cell = [c for c in code_cells(executed["nb"]) if "cuda_available()" in source(c)][0]
    # "cpu (2 threads)" here; on a GPU "cuda (NVIDIA H200, 139.8 GiB, 139.2 GiB free)"
    assert re.fullmatch(r"cpu \(\d+ threads?\)|cuda \(.+, [\d.]+ GiB, [\d.]+ GiB free\)",
                        text_of(cell, "stdout").strip())


def test_split_is_5000_5000(executed):
    assert "train: 60000, test: 5000, validation: 5000" in all_text(executed["nb"])


def test_sample_grids_are_pictures(executed):
    cells = cells_calling(executed["nb"], "show_images")
    assert len(cells) == 2, "MNIST and Fashion-MNIST each show sample images"
    for cell in cells:
        pngs = pngs_of(cell)
        assert len(pngs) == 1, f"one picture expected under:\n{source(cell)}"
        width, height = png_size(pngs[0])
        assert width > 2 * height, "six images in one row"


def test_confusion_heatmap_is_a_picture(executed):
    cell = cells_calling(executed["nb"], "show_confusion_matrix")[0]
    pngs = pngs_of(cell)
    assert len(pngs) == 1
    width, height = png_size(pngs[0])
    assert width >= 400 and height >= 300


def test_training_prints_like_the_lesson(executed):
    text = all_text(executed["nb"], "stdout")
    assert re.search(r"Epoch \[1/20\], Step \[200/938\], Loss: \d+\.\d{4}", text)
    assert re.search(r"Epoch \[1/10\], Step \[800/938\], Loss: \d+\.\d{4}", text)
    assert re.search(r"Epoch \[1/20\] - Validation Loss: \d+\.\d{4}, "
                     r"Validation Accuracy: \d+\.\d{2}%", text)
    assert ">>> Found a better model and saved it at 'models/nn_8_best_model_mnist.safetensors'" in text
    # Early stopping or the full run: every training ends one way or the other.
    for cell in cells_calling(executed["nb"], "train_model")[-3:]:
        out = text_of(cell, "stdout")
        last = re.findall(r"Epoch \[(\d+)/(\d+)\] - Validation", out)
        assert last, "validation every epoch"
        epoch, epochs = map(int, last[-1])
        assert epoch == epochs or "Early Stopping triggered." in out


def test_checkpoints_are_saved(executed):
    models = os.path.join(executed["work"], "models")
    for name in ("nn_8_best_model_mnist.safetensors",
                 "nn_8_best_model_mnist_transform.safetensors",
                 "nn_8_best_model_fashion_mnist.safetensors"):
        path = os.path.join(models, name)
        assert os.path.getsize(path) > 4 * 235146, f"{name}: all 235146 weights as float32"


def test_mean_and_std(executed):
    cell = [c for c in code_cells(executed["nb"]) if "dataset_mean_std" in source(c)][0]
    lines = text_of(cell, "stdout").split("\n")
    batch_mean, batch_std = map(float, lines[0].split())
    mean, std = map(float, lines[1].split())
    # The lesson's average of batch values (PyTorch prints 0.1307 0.3080).
    assert abs(batch_mean - 0.1307) < 0.001 and abs(batch_std - 0.3080) < 0.002
    assert abs(mean - 0.1307) < 0.0005 and abs(std - 0.3081) < 0.0005


def test_accuracies_reach_the_lesson(executed):
    found = accuracies(all_text(executed["nb"], "stdout"), "Finale Test Accuracy")
    assert len(found) == 3, found
    mnist, mnist_transform, fashion = found
    assert mnist >= 97.0
    assert mnist_transform >= 97.0
    assert fashion >= 87.0


def test_confusion_matrix_matches_test_accuracy(executed):
    """Computed from the test loader's batches, the matrix's diagonal is the
    test accuracy (the original's raw-pixel matrix showed about 85%)."""
    nb = executed["nb"]
    fashion = accuracies(all_text(nb, "stdout"), "Finale Test Accuracy")[-1]
    cell = cells_calling(nb, "show_confusion_matrix")[0]
    m = re.search(r"richtig: (\d+) / (\d+) = ([0-9.]+)%", text_of(cell, "stdout"))
    assert m, text_of(cell)
    assert int(m.group(2)) == 5000
    assert abs(float(m.group(3)) - fashion) < 0.011


def test_html_handout(handout):
    """The HTML shows the pictures (embedded PNG), the training output and no errors."""
    page = handout
    # nbconvert 7 writes the attributes in order (alt, class, height, src).
    pictures = re.findall(r'<img [^>]*src="data:image/png;base64,', page)
    assert len(pictures) >= 3, f"{len(pictures)} embedded PNG pictures"
    assert re.search(r"Epoch \[1/20\], Step \[200/938\], Loss: \d", page)
    mnist, _, fashion = accuracies(page, "Finale Test Accuracy")
    assert mnist >= 97.0 and fashion >= 87.0
    assert "Was könnte man verbessern?" in page
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page, "an error or stderr output"
    for word in ("Traceback", "CompileError", "SIGSEGV", "cnb: "):
        assert word not in page
