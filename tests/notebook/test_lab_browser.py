# SPDX-License-Identifier: BSD-3-Clause
"""The lesson in JupyterLab 4, as a teacher uses it: headless Debian Chromium
(Playwright for Python) against `python -m jupyterlab` from the venv, on
127.0.0.1 with a token.  The notebook is a copy of the German lesson,
unchanged.  The tests run in order on one page: opening, stepping through
the cells to the training, everything done while it trains, the interrupt,
tab completion and tooltips, a compile error, Restart Kernel and Run All,
and the HTML export.  Screenshots go to $CNB_BUILDDIR/tests/artifacts/lab/."""
import os
import re
import shutil

import pytest

from browser_support import (Notebook, Server, first_line_matching, launch_chromium,
                             needs_browser, sync_playwright)
from lesson_support import NOTEBOOK_DE, artifacts_dir, run_dir

pytestmark = needs_browser
NAME = "lektion-klassifikation.ipynb"


@pytest.fixture(scope="module")
def lab():
    work = run_dir("lesson-lab")
    shutil.copy(NOTEBOOK_DE, os.path.join(work, NAME))
    shots = artifacts_dir("lab")
    for old in os.listdir(shots):
        os.remove(os.path.join(shots, old))
    server = Server("jupyterlab", work, os.path.join(shots, "jupyterlab-server.log"))
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
            page.goto(f"{server.base}/lab/tree/{NAME}?token={server.token}")
            notebook = Notebook(page, shots)
            notebook.facts = {"work": work, "server": server}
            yield notebook
            browser.close()
    finally:
        server.stop()


def test_opens_with_the_cnb_kernel_from_the_metadata(lab):
    lab.wait_until_ready()
    assert lab.kernel_name() == ["cnb", "C (cnb)"]
    shown = lab.page.locator(".jp-NotebookPanel-toolbar .jp-KernelName").inner_text()
    assert shown.strip() == "C (cnb)"
    assert lab.status() == "idle"
    lab.shot("01-opened.png")


def test_c_is_syntax_highlighted(lab):
    # CodeMirror colours tokens by kind: in the first code cell '#include',
    # the header name, the number 42 and the comments each get a colour of
    # their own, different from plain text.
    colours = lab.evaluate("""() => {
      const cell = window.jupyterapp.shell.currentWidget.content.widgets.find((c) => c.model.type === 'code');
      const colour = (el) => getComputedStyle(el).color;
      const plain = colour(cell.node.querySelector('.cm-line'));
      const tokens = {};
      cell.node.querySelectorAll('.cm-line span').forEach((s) => { tokens[s.textContent] = colour(s); });
      return { plain, tokens };
    }""")
    tokens = colours["tokens"]
    for token in ("#include", "<cnb.h>", "42"):
        assert token in tokens, tokens
        assert tokens[token] != colours["plain"], (token, colours)
    comment = next(v for k, v in tokens.items() if k.startswith("//"))
    assert comment != colours["plain"]
    assert len({tokens["#include"], tokens["<cnb.h>"], tokens["42"], comment}) == 4, tokens


def test_cells_one_by_one_until_training(lab):
    """Shift+Enter from the top, cell by cell, up to the first training cell."""
    lab.select(0)
    errors, pictures = [], []
    while True:
        i = lab.active()
        info = lab.cell(i)
        if info["type"] == "code" and info["source"].startswith("train_model("):
            break
        lab.run_selected()
        if info["type"] != "code":
            continue
        info = lab.wait_for_cell(i)
        errors += [f"cell {i}: {e}" for e in info["errors"]]
        if "show_images(" in info["source"]:
            pictures.append(info)
            lab.shot("02-sample-images.png", i)
    lab.facts["training_cell"] = i
    assert errors == []
    assert len(pictures) == 1, "the sample images cell ran once"
    images = pictures[0]["images"]
    assert pictures[0]["png_outputs"] == 1 and len(images) == 1, pictures[0]
    assert images[0]["src"] == "data:image/png;base64,"
    assert images[0]["width"] > 100 and images[0]["height"] > 40, images[0]


INDICATOR_IS_IDLE = ("() => window.jupyterapp.shell.currentWidget.node"
                     ".querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status') === 'idle'")


def test_training_streams_while_the_kernel_stays_busy(lab):
    """The training runs; its progress bar moves, its epoch lines stream in,
    a completion in another cell is answered, and the kernel shows busy
    throughout.  Then the stop button interrupts it."""
    training = lab.facts["training_cell"]
    # The indicator turns idle a moment after the previous cell ended (a
    # timer of JupyterLab's): watch from there, or that idle is counted.
    lab.wait_for(INDICATOR_IS_IDLE)
    lab.watch_status()
    lab.watch_outputs(training)
    lab.run_selected()
    # The progress bar is one output replaced in place (update_display_data):
    # it takes several values while the cell still runs.
    lab.wait_for("() => window.cnbHtml.filter((t) => /Training.*%/.test(t)).length >= 3")
    lab.wait_for("() => window.cnbLines.some((l) => /^Epoch \\[1\\/20\\], Step \\[200\\/938\\]/.test(l.line))")
    lab.shot("03-training-running.png", training)
    lab.shot("lesson-in-jupyterlab.png")

    # Tab in another cell while the training runs: the front process answers.
    scratch = lab.insert_below()
    lab.type_in_cell(scratch, "mod")
    lab.page.keyboard.press("Tab")
    completer = lab.page.locator(".jp-Completer")
    completer.wait_for(state="visible", timeout=30_000)
    items = completer.locator(".jp-Completer-item .jp-Completer-match").all_inner_texts()
    lab.facts["completions_while_training"] = items
    status_at_completion = lab.status()
    lab.shot("04-completion-while-training.png")
    lab.page.keyboard.press("Escape")
    completer.wait_for(state="hidden", timeout=30_000)
    lab.delete_cell(scratch)

    # Stop in the second epoch, with the stop button of the toolbar.
    lab.wait_for("() => window.cnbLines.some((l) => /^Epoch \\[2\\/20\\]/.test(l.line))")
    running = lab.cell(training)
    before_stop = lab.statuses()
    lab.toolbar("notebook:interrupt-kernel").click()
    stopped = lab.wait_for_cell(training, timeout=60_000)
    lab.wait_for(INDICATOR_IS_IDLE)
    lab.shot("05-interrupted.png", training)
    watched = lab.watched()

    assert "*" in running["prompt"], running["prompt"]
    assert "model" in items and "model_forward" in items, items   # own and runtime names
    assert status_at_completion == "busy"
    busy_from = before_stop.index("busy")
    assert set(before_stop[busy_from:]) == {"busy"}, (before_stop, lab.status_messages())
    assert lab.statuses()[-1] == "idle"
    percents = [int(m) for t in watched["html"] for m in re.findall(r"(\d+)%", t)]
    assert len(set(percents)) >= 3 and percents == sorted(percents), watched["html"]
    epoch_lines = [e for e in watched["lines"] if e["line"].startswith("Epoch [")]
    assert len(epoch_lines) >= 5, watched["lines"]
    assert all(e["status"] == "busy" for e in epoch_lines), epoch_lines
    assert epoch_lines[-1]["at"] - epoch_lines[0]["at"] > 50, "the lines came one after another"
    assert first_line_matching(epoch_lines, r"Validation Accuracy") is not None
    assert not any("Epoch [20/20]" in e["line"] for e in epoch_lines)
    assert stopped["errors"] and re.search(r"interrupt", stopped["errors"][0], re.I), stopped["errors"]


def test_earlier_variables_survive_the_interrupt(lab):
    probe = lab.run_new_cell('printf("batch_size=%d lr=%g epochs=%d\\n", batch_size, lr, epochs);')
    lab.shot("06-state-after-interrupt.png", probe["index"])
    lab.delete_cell(probe["index"])
    assert probe["errors"] == []
    assert probe["text"] == "batch_size=64 lr=0.001 epochs=20\n"


def test_tab_completes_runtime_and_own_names(lab):
    scratch = lab.insert_below()
    lab.type_in_cell(scratch, "train_")
    lab.page.keyboard.press("Tab")
    completer = lab.page.locator(".jp-Completer")
    completer.wait_for(state="visible", timeout=30_000)
    items = completer.locator(".jp-Completer-item .jp-Completer-match").all_inner_texts()
    lab.page.keyboard.press("Escape")
    completer.wait_for(state="hidden", timeout=30_000)
    lab.delete_cell(scratch)
    # the lesson's own function and globals
    assert {"train_model", "train_loader", "train_dataset"} <= set(items), items


def test_shift_tab_shows_the_documentation(lab):
    scratch = lab.insert_below()
    lab.type_in_cell(scratch, "model_summary")
    lab.page.keyboard.press("Shift+Tab")
    tooltip = lab.page.locator(".jp-Tooltip")
    tooltip.wait_for(state="visible", timeout=30_000)
    text = tooltip.inner_text()
    lab.shot("07-tooltip.png")
    lab.page.keyboard.press("Escape")
    lab.delete_cell(scratch)
    assert "model_summary(" in text, text
    assert len(text) > 40, text      # a declaration with its doc comment, not just the name


def test_compile_error_is_red_with_the_cell_line(lab):
    result = lab.run_new_cell("int fine = 1;\nint broken = ;")
    colour = lab.evaluate("""(i) => {
      const out = window.jupyterapp.shell.currentWidget.content.widgets[i].node
        .querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
      return out ? getComputedStyle(out).backgroundColor : null;
    }""", result["index"])
    lab.shot("08-compile-error.png", result["index"])
    lab.delete_cell(result["index"])
    assert len(result["errors"]) == 1, result
    assert result["errors"][0].startswith("CompileError:"), result["errors"]
    assert re.search(r"In\[\d+\]:2:\d+: error", result["errors"][0]), result["errors"]
    red, green, blue = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert red > green and red > blue, colour


def test_restart_kernel_and_run_all(lab):
    last = max(i for i in range(lab.count()) if lab.cell(i)["type"] == "code")
    assert lab.cell(last)["count"] is None, "the last cell has not run yet"
    lab.toolbar("notebook:restart-run-all").click()
    lab.page.locator(".jp-Dialog .jp-mod-accept").click()
    lab.wait_for_cell(last, timeout=900_000)
    lab.wait_for("() => window.jupyterapp.shell.currentWidget.node"
                 ".querySelector('.jp-Notebook-ExecutionIndicator').getAttribute('data-status') === 'idle'")
    cells = [lab.cell(i) for i in range(lab.count())]
    code = [c for c in cells if c["type"] == "code"]
    lab.facts["run_all"] = code
    heatmap = next(c for c in code if "show_confusion_matrix(" in c["source"])
    lab.shot("09-heatmap.png", heatmap["index"])

    assert [c["count"] for c in code] == list(range(1, len(code) + 1)), "one fresh run, in order"
    assert [e for c in code for e in c["errors"]] == []
    with_pictures = [c for c in code if c["png_outputs"]]
    assert sum("show_images(" in c["source"] for c in with_pictures) == 2
    assert "show_confusion_matrix(" in heatmap["source"] and heatmap["png_outputs"] == 1
    for c in with_pictures:
        assert len(c["images"]) == c["png_outputs"], c       # every image is on the page
        for image in c["images"]:
            assert image["width"] > 100 and image["height"] > 40, (c["source"][:80], image)
    text = "".join(c["text"] for c in code)
    assert len(re.findall(r"Finale Test Accuracy: \d+\.\d+%", text)) == 3, text[-2000:]


def test_export_as_html_from_the_file_menu(lab):
    """File > Save and Export Notebook As > HTML: the handout, with its pictures."""
    # JupyterLab asks whether to sanitize, then opens the export in a new
    # window, which downloads the file.
    downloads = []
    lab.page.on("download", lambda d: downloads.append(d))
    lab.page.context.on("page", lambda popup: popup.on("download", lambda d: downloads.append(d)))
    lab.page.locator(".lm-MenuBar-itemLabel", has_text="File").click()
    lab.page.locator(".lm-Menu-itemLabel", has_text="Save and Export Notebook As").hover()
    lab.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^HTML$")).click()
    lab.page.locator(".jp-Dialog .jp-mod-accept").click()     # "Sanitize HTML output": Ok
    for _ in range(600):
        if downloads:
            break
        lab.page.wait_for_timeout(200)
    assert downloads, "no download within 120 s"
    path = os.path.join(lab.shots, "handout.html")
    downloads[0].save_as(path)
    assert downloads[0].suggested_filename == "lektion-klassifikation.html"
    with open(path, encoding="utf-8") as f:
        html = f.read()
    pictures = sum(c["png_outputs"] for c in lab.facts["run_all"])
    assert html.count('src="data:image/png;base64,') >= pictures >= 3
    assert "Finale Test Accuracy" in html and "Neuronale Netze" in html
