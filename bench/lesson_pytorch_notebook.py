#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Makes bench/lesson-pytorch.ipynb: the code cells of the original PyTorch
lesson (../shared/lesson/lesson-pytorch.txt), for measurement only (no text),
with its data and model paths pointed at the benchmark's run folder:

    data/mnist_data/MNIST/raw/...        (torchvision layout, uncompressed)
    data/fashion_mnist_data/FashionMNIST/raw/...
    models/

    /usr/bin/python3 bench/lesson_pytorch_notebook.py [lesson-pytorch.txt]

The notebook is committed; rerun this only when the lesson changes.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "shared", "lesson", "lesson-pytorch.txt")

# A text line after a blank line that starts like this begins the lesson's prose.
PROSE = re.compile(r"^([A-ZÄÖÜ(<!]|___|---|\*\*)")

PATHS = [
    ('os.path.join("..", "..", "_data", "mnist_data")', '"data/mnist_data"'),
    ('os.path.join("..", "..", "_data", "fashion_mnist_data")', '"data/fashion_mnist_data"'),
    ('os.path.join("..", "models", ', 'os.path.join("models", '),
]


def code_cells(text):
    cells = []
    for chunk in text.split("\nIn [None]:\n")[1:]:
        lines, code = chunk.split("\n"), []
        for i, line in enumerate(lines):
            if i > 0 and lines[i - 1].strip() == "" and PROSE.match(line):
                break
            code.append(line)
        cells.append("\n".join(code).strip("\n"))
    return cells


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    with open(src, encoding="utf-8") as f:
        cells = code_cells(f.read())
    out = []
    for n, code in enumerate(cells):
        for old, new in PATHS:
            code = code.replace(old, new)
        out.append({"cell_type": "code", "execution_count": None, "id": f"pt-{n:02d}",
                    "metadata": {}, "outputs": [], "source": code.splitlines(keepends=True)})
    # The original writes its models to a folder it expects to exist.
    out[1]["source"] = ['os.makedirs("models", exist_ok=True)\n'] + out[1]["source"]
    nb = {"cells": out, "nbformat": 4, "nbformat_minor": 5,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                      "language": "python"},
                       "language_info": {"name": "python"},
                       "cnb_note": "Code cells of the PyTorch lesson, for benchmarking only."}}
    dest = os.path.join(HERE, "lesson-pytorch.ipynb")
    with open(dest, "w", encoding="utf-8") as f:
        json.dump(nb, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {dest} ({len(out)} code cells)")


if __name__ == "__main__":
    main()
