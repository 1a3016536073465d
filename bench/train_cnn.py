"""CNN training speed, cnb vs PyTorch, on Fashion-MNIST (batch 64, Adam
1e-3): the small CNN of issue 19 and a lesson CNN, BATCHES batches each
(default 200), PyTorch at 1 and 2 threads, cnb at its default threads.
Prints seconds per epoch (938 batches) extrapolated from the batches run."""
import gzip
import os
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"
BATCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def models():
    return {
        "small": lambda: nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10)),
        "lesson": lambda: nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10)),
    }


def load():
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return torch.from_numpy(x.astype(np.float32) / 255), torch.from_numpy(y.astype(np.int64))


def torch_time(make, x, y, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    perm = torch.randperm(len(x))
    t0 = time.perf_counter()
    for b in range(BATCHES):
        idx = perm[b * 64:(b + 1) * 64]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    return (time.perf_counter() - t0) / BATCHES * 938


def main():
    build = os.environ.get("CNB_BUILDDIR", "_build")
    src = os.environ.get("CNB_SRCDIR", ".")
    program = os.path.join(build, "bench", "train_cnn")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", program,
                    os.path.join(src, "bench", "train_cnn.c"),
                    "-I" + os.path.join(src, "runtime", "include"),
                    "-L" + os.path.join(build, "runtime", ".libs"), "-lcnb", "-lm",
                    "-Wl,-rpath," + os.path.abspath(os.path.join(build, "runtime", ".libs"))],
                   check=True)
    x, y = load()
    for name, make in models().items():
        c = subprocess.run([program, name, str(BATCHES), DATA], check=True,
                           capture_output=True, text=True).stdout.split()
        t1, t2 = torch_time(make, x, y, 1), torch_time(make, x, y, 2)
        print("%-6s %d batches: cnb %.1f s/epoch, torch 1 thread %.1f, 2 threads %.1f "
              "(cnb / best torch = %.2f)" % (name, BATCHES, float(c[4]), t1, t2,
                                             float(c[4]) / min(t1, t2)))


if __name__ == "__main__":
    main()
