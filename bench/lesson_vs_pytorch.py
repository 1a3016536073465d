#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Benchmark (not a test): the whole lesson, executed top to bottom with
`jupyter nbconvert --execute`, in C (the cnb kernel, notebooks/
lektion-klassifikation.ipynb) and in Python (ipykernel, the original PyTorch
lesson's code cells, bench/lesson-pytorch.ipynb), one after the other in the
same run, with the same epochs and the same data files.

Prints the wall time of each (kernel start included), the time spent in the
training cells, the epochs each training ran before early stopping, the test
accuracies, and the ratio.

    /usr/bin/python3 bench/lesson_vs_pytorch.py [--only cnb|pytorch] [--workdir DIR]

The cnb kernel is found through JUPYTER_PATH; when CNB_BUILDDIR is set (make
bench), the build tree's kernelspec is used.
"""
import argparse
import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("CNB_SRCDIR") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("CNB_BUILDDIR") or SRCDIR
PYTHON3 = os.environ.get("PYTHON3") or "/usr/bin/python3"

MNIST_FILES = os.path.join(SRCDIR, "data", "MNIST", "raw")
FASHION_FILES = "/usr/share/datasets/fashion-mnist"
RAW = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

RUNS = {
    "cnb": {"notebook": os.path.join(SRCDIR, "notebooks", "lektion-klassifikation.ipynb"),
            "kernel": "cnb",
            "data": {"mnist": "data/mnist/MNIST/raw",
                     "fashion": "data/fashion_mnist/FashionMNIST/raw"}},
    "pytorch": {"notebook": os.path.join(HERE, "lesson-pytorch.ipynb"),
                "kernel": "python3",
                "data": {"mnist": "data/mnist_data/MNIST/raw",
                         "fashion": "data/fashion_mnist_data/FashionMNIST/raw"}},
}


def place_data(work, layout):
    """Both lessons read the same files, uncompressed, in torchvision's layout."""
    for key, source in (("mnist", MNIST_FILES), ("fashion", FASHION_FILES)):
        dest = os.path.join(work, layout[key])
        os.makedirs(dest, exist_ok=True)
        for name in RAW:
            target = os.path.join(dest, name)
            if os.path.exists(target):
                continue
            plain, packed = os.path.join(source, name), os.path.join(source, name + ".gz")
            if os.path.exists(plain):
                shutil.copyfile(plain, target)
            else:
                with gzip.open(packed) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)


def cell_seconds(cell):
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def stdout_of(cell):
    return "".join("".join(o["text"]) if isinstance(o["text"], list) else o["text"]
                   for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def summarize(nb):
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    text = "\n".join(stdout_of(c) for c in code)
    trainings = [c for c in code if re.match(r"\s*train_model\(", "".join(c["source"]))]
    errors = [o for c in code for o in c.get("outputs", []) if o["output_type"] == "error"]
    return {
        "accuracies": [float(x) for x in re.findall(r"Finale Test Accuracy: ([0-9.]+)%", text)],
        "epochs": [len(re.findall(r"- Validation Loss", stdout_of(c))) for c in trainings],
        "training_s": [round(cell_seconds(c), 1) for c in trainings],
        "cells_s": round(sum(cell_seconds(c) for c in code), 1),
        "errors": len(errors),
    }


def run(name, workroot):
    spec = RUNS[name]
    work = os.path.join(workroot, name)
    os.makedirs(work, exist_ok=True)
    shutil.rmtree(os.path.join(work, "models"), ignore_errors=True)
    place_data(work, spec["data"])
    notebook = os.path.join(work, "lesson.ipynb")
    shutil.copyfile(spec["notebook"], notebook)
    cmd = [PYTHON3, "-m", "nbconvert", "--to", "notebook", "--execute",
           f"--ExecutePreprocessor.kernel_name={spec['kernel']}",
           "--ExecutePreprocessor.timeout=7200", "--output", "executed", "lesson.ipynb"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        return {"name": name, "wall_s": round(wall, 1), "failed": True}
    with open(os.path.join(work, "executed.ipynb"), encoding="utf-8") as f:
        result = summarize(json.load(f))
    result.update(name=name, wall_s=round(wall, 1))
    return result


def show(r):
    if r.get("failed"):
        return f"{r['name']:8} failed after {r['wall_s']:.1f} s"
    acc = " / ".join(f"{a:.2f}%" for a in r["accuracies"])
    per_epoch = " / ".join(f"{t / max(e, 1):.2f}" for t, e in zip(r["training_s"], r["epochs"]))
    return (f"{r['name']:8} wall {r['wall_s']:7.1f} s   training cells "
            f"{' + '.join(f'{t:.1f}' for t in r['training_s'])} s   epochs {r['epochs']}   "
            f"s/epoch {per_epoch}   "
            f"test accuracy (MNIST / MNIST+augm. / Fashion) {acc}   errors {r['errors']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(RUNS))
    ap.add_argument("--workdir", default=os.path.join(BUILDDIR, "bench", "lesson-run"))
    ap.add_argument("--cnb-notebook", help="another C lesson notebook (default: the German one)")
    args = ap.parse_args()
    if args.cnb_notebook:
        RUNS["cnb"]["notebook"] = os.path.abspath(args.cnb_notebook)
    if os.environ.get("CNB_BUILDDIR") and "JUPYTER_PATH" not in os.environ:
        os.environ["JUPYTER_PATH"] = os.path.join(BUILDDIR, "tests", "jupyter")
    print(f"lesson end to end with nbconvert, {os.cpu_count()} CPUs; "
          f"notebooks run in {args.workdir}", flush=True)
    results = {}
    for name in ([args.only] if args.only else ["cnb", "pytorch"]):
        results[name] = run(name, args.workdir)
        print(show(results[name]), flush=True)
    if len(results) == 2 and not any(r.get("failed") for r in results.values()):
        ratio = results["pytorch"]["wall_s"] / results["cnb"]["wall_s"]
        train = sum(results["pytorch"]["training_s"]) / max(sum(results["cnb"]["training_s"]), 1e-9)
        print(f"cnb is {ratio:.1f}x faster end to end (target >= 5x); "
              f"training cells {train:.1f}x", flush=True)
    with open(os.path.join(args.workdir, "result.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
