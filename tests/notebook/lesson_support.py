# SPDX-License-Identifier: BSD-3-Clause
"""What the notebook tests share: where things are, how outputs are read.

The tests run against the build tree: JUPYTER_PATH (set by tests/Makefile.am)
holds a kernelspec named "cnb" that starts the freshly built kernel.
"""
import base64
import os
import re
import shutil
import socket
import struct

SRCDIR = os.environ.get("CNB_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("CNB_BUILDDIR") or SRCDIR
PYTHON3 = os.environ.get("PYTHON3") or "/usr/bin/python3"
KERNEL_NAME = "cnb"

NOTEBOOK_DE = os.path.join(SRCDIR, "notebooks", "lektion-klassifikation.ipynb")
NOTEBOOK_EN = os.path.join(SRCDIR, "notebooks", "lesson-classification.ipynb")
CNN_NOTEBOOK_DE = os.path.join(SRCDIR, "notebooks", "lektion-cnn.ipynb")
CNN_NOTEBOOK_EN = os.path.join(SRCDIR, "notebooks", "lesson-cnn.ipynb")

# Screenshots, executed notebooks and HTML: kept in the build tree so that CI
# can collect them; CNB_ARTIFACTS_DIR overrides.
ARTIFACTS = os.environ.get("CNB_ARTIFACTS_DIR") or os.path.join(BUILDDIR, "tests", "artifacts")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def artifacts_dir(*parts):
    path = os.path.join(ARTIFACTS, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def run_dir(name):
    """A working folder in the build tree for one notebook run.  The data the
    notebook copies under data/ is kept between runs (it is only copied once);
    everything else is removed."""
    path = os.path.join(BUILDDIR, "tests", name)
    os.makedirs(path, exist_ok=True)
    for entry in os.listdir(path):
        if entry != "data":
            full = os.path.join(path, entry)
            if os.path.isdir(full):
                shutil.rmtree(full)
            else:
                os.remove(full)
    return path


def execute_in(work, name, output, timeout=900):
    """Runs work/name.ipynb with nbconvert in the cnb kernel, going on after
    errors so that the tests can name them; returns (executed notebook, its path)."""
    import json
    import subprocess
    out = artifacts_dir()
    run = subprocess.run(
        [PYTHON3, "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
         f"--ExecutePreprocessor.kernel_name={KERNEL_NAME}", f"--ExecutePreprocessor.timeout={timeout}",
         "--ExecutePreprocessor.startup_timeout=120",
         "--output", output, "--output-dir", out, name + ".ipynb"],
        cwd=work, capture_output=True, text=True, timeout=2 * timeout)
    assert run.returncode == 0, f"nbconvert --execute failed:\n{run.stderr[-4000:]}"
    path = os.path.join(out, output + ".ipynb")
    with open(path, encoding="utf-8") as f:
        return json.load(f), path


def cell_problems(nb):
    """Each code cell that did not run, each error with its traceback, and
    each runtime or compiler complaint on stderr ("cnb: function: message")."""
    problems = []
    for i, cell in enumerate(code_cells(nb)):
        if not cell.get("execution_count"):
            problems.append(f"cell {i} did not run")
        problems += [f"cell {i}: {o.get('ename')}: {o.get('evalue')}\n"
                     + "\n".join(o.get("traceback", []))[:2000]
                     for o in cell["outputs"] if o["output_type"] == "error"]
        problems += [f"cell {i} stderr: {line}" for line in text_of(cell, "stderr").splitlines()
                     if line.startswith("cnb: ") or "error:" in line or "warning:" in line]
    return problems


def shortened(src, dest, fashion_epochs=20):
    """A copy of a lesson notebook with 1 epoch for the two MNIST trainings
    (and fashion_epochs for the Fashion-MNIST one), for the tests that need
    every cell to run but not the full training."""
    import json
    with open(src, encoding="utf-8") as f:
        nb = json.load(f)
    edits = 0
    for cell in code_cells(nb):
        text = source(cell)
        new = (text.replace("int epochs = 20;", "int epochs = 1;")
               .replace("epochs = 10;", "epochs = 1;")
               .replace("epochs = 20;\nvalidate_at", f"epochs = {fashion_epochs};\nvalidate_at"))
        if re.search(r"^(int )?epochs = \d+;$", text, re.M):
            edits += 1
            cell["source"] = new.splitlines(keepends=True)
    if edits != 3:
        raise ValueError(f"{src}: expected 3 hyperparameter cells, edited {edits}")
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(nb, f, ensure_ascii=False, indent=1)


def one_epoch_each(src, dest, expected):
    """A copy of a lesson notebook in which every training runs one epoch (each
    hyperparameter cell's `epochs = N;` becomes `epochs = 1;`), for the tests that
    need every cell to run but not the full training; expected: how many such
    cells the lesson has."""
    import json
    with open(src, encoding="utf-8") as f:
        nb = json.load(f)
    edits = 0
    for cell in code_cells(nb):
        text, n = re.subn(r"^((?:int )?epochs = )\d+;$", r"\g<1>1;", source(cell), flags=re.M)
        if n:
            edits += 1
            cell["source"] = text.splitlines(keepends=True)
    if edits != expected:
        raise ValueError(f"{src}: expected {expected} hyperparameter cells, edited {edits}")
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(nb, f, ensure_ascii=False, indent=1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def text_of(cell, name=None):
    """All stream text of a cell (stdout and stderr, or only the one named)."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream" and (name is None or out["name"] == name):
            text = out["text"]
            parts.append("".join(text) if isinstance(text, list) else text)
    return "".join(parts)


def all_text(nb, name=None):
    return "\n".join(text_of(c, name) for c in code_cells(nb))


def pngs_of(cell):
    """The decoded image/png outputs of a cell."""
    found = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        if "image/png" in data:
            b64 = data["image/png"]
            b64 = "".join(b64) if isinstance(b64, list) else b64
            found.append(base64.b64decode(b64))
    return found


def png_size(png):
    """(width, height) from the IHDR chunk; raises if it is not a PNG."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


def cells_calling(nb, name):
    return [c for c in code_cells(nb) if re.search(r"\b%s\s*\(" % re.escape(name), source(c))]


def accuracies(text, label):
    """Every 'label: 97.92%' in text, as floats, in order."""
    return [float(x) for x in re.findall(re.escape(label) + r":\s*([0-9]+(?:\.[0-9]+)?)%", text)]
