"""The lesson in a real browser: Jupyter Notebook (Debian jupyter-notebook)
on 127.0.0.1 with a token, headless Debian Chromium driven by playwright-core
(browser_lesson.mjs).  The notebook is a copy of the German lesson with fewer
epochs for the first two trainings; the Fashion-MNIST training keeps its 20
epochs so that there is something to interrupt.  Screenshots go to
$CNB_BUILDDIR/tests/artifacts/browser/."""
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest

from lesson_support import NOTEBOOK_DE, PYTHON3, SRCDIR, artifacts_dir, free_port, run_dir, shortened

CHROMIUM = "/usr/bin/chromium"
NODE = shutil.which("node") or "/usr/bin/node"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser_lesson.mjs")
NAME = "lektion-browser.ipynb"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) or not os.path.isdir(os.path.join(SRCDIR, "node_modules", "playwright-core")),
    reason="needs Debian chromium and npm playwright-core (scripts/setup-debian)")


def api(base, token, path, method="GET"):
    req = urllib.request.Request(f"{base}{path}", method=method,
                                 headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = r.read()
        return json.loads(body) if body else None


@pytest.fixture(scope="module")
def session():
    work = run_dir("lesson-browser")
    shortened(NOTEBOOK_DE, os.path.join(work, NAME))
    shots = artifacts_dir("browser")
    for old in os.listdir(shots):
        os.remove(os.path.join(shots, old))
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(shots, "notebook-server.log"), "w")
    server = subprocess.Popen(
        [PYTHON3, "-m", "notebook", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--NotebookApp.token={token}", "--NotebookApp.password=",
         f"--notebook-dir={work}", "--NotebookApp.port_retries=0", "--allow-root"],
        cwd=work, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            try:
                api(base, token, "/api/status")
                break
            except OSError:
                assert server.poll() is None, "jupyter notebook exited; see notebook-server.log"
                time.sleep(0.2)
        run = subprocess.run([NODE, SCRIPT, base, token, NAME, shots],
                             capture_output=True, text=True, timeout=1500)
        with open(os.path.join(shots, "browser.log"), "w") as f:
            f.write(run.stderr)
        assert run.returncode == 0, run.stderr[-4000:]
        facts = json.loads(run.stdout.strip().splitlines()[-1])
        facts["log"] = run.stderr
        facts["shots"] = shots
        yield facts
    finally:
        try:
            for kernel in api(base, token, "/api/kernels") or []:
                api(base, token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def step(facts, name):
    found = [s for s in facts["steps"] if s["name"] == name]
    assert found, f"the browser never got to '{name}':\n{facts['log'][-3000:]}"
    assert found[0]["ok"], f"{name}: {found[0]['detail']}"


def test_browser_session_completes(session):
    failed = [s for s in session["steps"] if not s["ok"]]
    assert not failed, failed


def test_opens_with_the_cnb_kernel(session):
    step(session, "notebook opens with the cnb kernel")


def test_cells_run_without_errors(session):
    assert session["errors"] == [], session["errors"]


def test_sample_grids_and_heatmap_are_images(session):
    shown = session["images"]
    kinds = [("show_images(" in s["source"], "show_confusion_matrix(" in s["source"]) for s in shown]
    assert sum(k[0] for k in kinds) == 2, shown
    assert sum(k[1] for k in kinds) == 1, shown
    for s in shown:
        for img in s["images"]:
            assert img["src"].startswith("data:image/png;base64,")
            assert img["width"] > 100 and img["height"] > 40, img


def test_interrupt_from_the_toolbar(session):
    step(session, "training cell is running when interrupted")
    step(session, "the stop button interrupts the training")
    assert re.search(r"Epoch \[2/20\], Step \[200/938\]", session["interrupted_text"])
    assert re.search(r"interrupt", " ".join(session["interrupted_errors"]), re.I)


def test_state_survives_the_interrupt(session):
    step(session, "state is kept after the interrupt")
    # The cells after the interrupted one used its model and loaders.
    assert len(session.get("accuracy_lines", [])) >= 3


def test_restart_from_the_toolbar(session):
    step(session, "kernel runs cells after the restart")
    step(session, "restart cleared the state")


def test_screenshots_are_saved(session):
    for name in ("01-opened.png", "02-sample-grid.png", "03-fashion-samples.png",
                 "04-training-running.png", "05-interrupted.png", "06-state-after-interrupt.png",
                 "07-heatmap.png", "08-after-restart.png"):
        path = os.path.join(session["shots"], name)
        with open(path, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", path
