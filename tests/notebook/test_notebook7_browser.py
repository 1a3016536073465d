# SPDX-License-Identifier: BSD-3-Clause
"""A short smoke of the lesson in Notebook 7 (`python -m notebook` from the
venv, headless Debian Chromium): it opens with the cnb kernel, the first cells
run with Shift+Enter and show their output, and the stop button interrupts
the training.  Screenshots go to $CNB_BUILDDIR/tests/artifacts/notebook7/."""
import os
import re
import shutil

import pytest

from browser_support import Notebook, Server, launch_chromium, needs_browser, sync_playwright
from lesson_support import NOTEBOOK_DE, artifacts_dir, run_dir

pytestmark = needs_browser
NAME = "lektion-klassifikation.ipynb"


@pytest.fixture(scope="module")
def nb7():
    work = run_dir("lesson-nb7")
    shutil.copy(NOTEBOOK_DE, os.path.join(work, NAME))
    shots = artifacts_dir("notebook7")
    for old in os.listdir(shots):
        os.remove(os.path.join(shots, old))
    server = Server("notebook", work, os.path.join(shots, "notebook-server.log"))
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{server.base}/notebooks/{NAME}?token={server.token}")
            notebook = Notebook(page, shots)
            notebook.facts = {}
            yield notebook
            browser.close()
    finally:
        server.stop()


def test_opens_with_the_cnb_kernel(nb7):
    nb7.wait_until_ready()
    assert nb7.kernel_name() == ["cnb", "C (cnb)"]
    nb7.shot("01-opened.png")


def test_first_cells_show_their_output(nb7):
    nb7.select(0)
    outputs = {}
    while True:
        i = nb7.active()
        info = nb7.cell(i)
        if info["type"] == "code" and info["source"].startswith("train_model("):
            break
        nb7.run_selected()
        if info["type"] == "code":
            info = nb7.wait_for_cell(i)
            assert info["errors"] == [], info
            outputs[i] = info
    nb7.facts["training_cell"] = i
    text = "".join(o["text"] for o in outputs.values())
    assert "train: 60000, test: 5000, validation: 5000" in text
    samples = next(o for o in outputs.values() if "show_images(" in o["source"])
    assert len(samples["images"]) == 1 and samples["images"][0]["width"] > 100, samples
    nb7.shot("02-before-training.png")


def test_stop_button_interrupts_the_training(nb7):
    training = nb7.facts["training_cell"]
    nb7.run_selected()
    nb7.wait_for("""(i) => /Epoch \\[1\\/20\\], Step \\[200\\/938\\]/.test(
        window.jupyterapp.shell.currentWidget.content.widgets[i].node.textContent)""", training)
    nb7.toolbar("notebook:interrupt-kernel").click()
    stopped = nb7.wait_for_cell(training, timeout=60_000)
    nb7.shot("03-interrupted.png", training)
    assert stopped["errors"] and re.search(r"interrupt", stopped["errors"][0], re.I), stopped
    assert "Epoch [20/20]" not in stopped["text"]
    probe = nb7.run_new_cell('printf("batch_size=%d\\n", batch_size);')
    assert probe["text"] == "batch_size=64\n", probe
