# SPDX-License-Identifier: BSD-3-Clause
"""The lesson's two pictures, cnb (Cairo, bench/plot_bench) against
matplotlib + seaborn as the PyTorch lesson draws them, both rendered to PNG
at 2x density (the retina inline backend's dpi=144 for 100-dpi figures is
close; we use dpi=200 so that the pixel counts are comparable).  Prints each
median and the ratio.  Not a test: timings depend on the machine's load."""
import io
import os
import re
import statistics
import subprocess
import sys
import time

import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns

CLASSES = ["T-Shirt", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle Boot"]
COUNTS = np.array([
    [383, 6, 9, 7, 5, 0, 88, 0, 5, 0], [0, 504, 0, 5, 4, 0, 0, 0, 1, 0],
    [4, 2, 317, 4, 136, 0, 25, 0, 0, 0], [9, 15, 4, 398, 44, 0, 14, 0, 2, 0],
    [0, 2, 13, 6, 475, 0, 15, 0, 2, 0], [0, 0, 0, 0, 0, 451, 1, 2, 4, 31],
    [39, 4, 40, 7, 81, 0, 325, 0, 8, 0], [0, 0, 0, 0, 0, 10, 0, 411, 1, 84],
    [2, 1, 0, 0, 2, 0, 2, 2, 469, 0], [0, 1, 0, 0, 0, 0, 0, 3, 0, 515]])


def seaborn_matrix():
    plt.figure(figsize=(8, 6))
    sns.heatmap(COUNTS, annot=True, fmt="d", cmap="Blues", xticklabels=CLASSES, yticklabels=CLASSES)
    plt.title("Confusion Matrix for FashionMNIST Classification")
    buffer = io.BytesIO()
    plt.savefig(buffer, format="png", dpi=200, bbox_inches="tight")
    plt.close()


def matplotlib_strip(images):
    plt.figure(figsize=(8, 3))
    for i in range(6):
        plt.subplot(1, 6, i + 1)
        plt.tight_layout()
        plt.imshow(images[i], cmap="gray", interpolation="none")
        plt.title(CLASSES[i])
        plt.xticks([])
        plt.yticks([])
    buffer = io.BytesIO()
    plt.savefig(buffer, format="png", dpi=200, bbox_inches="tight")
    plt.close()


def median_ms(function, *args, rounds=15):
    function(*args)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    builddir = os.environ.get("CNB_BUILDDIR", ".")
    output = subprocess.run([os.path.join(builddir, "bench", "plot_bench")], check=True,
                            capture_output=True, text=True).stdout
    ours = {m.group(1): float(m.group(2)) for m in re.finditer(r"(\S+) median_ms=([\d.]+)", output)}
    images = np.random.default_rng(0).random((6, 28, 28))
    theirs = {"confusion_matrix_10x10": median_ms(seaborn_matrix),
              "image_strip_6x28x28": median_ms(matplotlib_strip, images)}
    print(output, end="")
    for name, ms in theirs.items():
        mine = ours.get(name)
        ratio = f"{ms / mine:.1f}x faster" if mine else "n/a"
        print(f"{name}: cnb {mine} ms, matplotlib/seaborn {ms:.1f} ms ({ratio}); target < 20 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
