#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Training speed on MNIST: libcnb against PyTorch, same machine, same run.

The lesson's MLP (784-256-128-64-10), Adam lr 1e-3, batches of 64 (938 per
epoch), 3 epochs, then the 10k test images in batches of 1000.  Variants:

  libcnb pipeline    mnist() + to_tensor() + dataloader(shuffle), as the C lesson
  libcnb preloaded   all images in one tensor, a randperm per epoch
                     (both with the default threads, all cores, and with 1)
  GEMMs alone        only the matrix products of an epoch (OpenBLAS, 1 and 2
                     threads; the better one counts)
  torch lesson       torchvision MNIST + ToTensor + DataLoader(shuffle), as the lesson
  torch preloaded    all images in one tensor, randperm + indexing per epoch

PyTorch runs with 1 and with 2 threads; the better one counts.  Each variant
is its own process, so peak memory (ru_maxrss) is the variant's own.

    make bench-train            (from the build directory)
    bench/train_mnist.py [--epochs N] [--fashion]

With --gpu (on a machine with an NVIDIA GPU and PyTorch with CUDA), the
variants are the GPU's instead: libcnb's pipeline on the GPU and on the
CPU, PyTorch's lesson DataLoader and preloaded tensors on the GPU;
--exe uses a train_mnist built elsewhere (scripts/gpu-check packs one) and
--mnist names the directory of the four IDX files (.gz).

--fashion trains on Fashion-MNIST (Debian's dataset-fashion-mnist) instead.
"""
import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.environ.get("CNB_SRCDIR", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CNB_BUILDDIR", os.path.join(SRC, "_build"))
MNIST_DIR = os.path.join(SRC, "data", "MNIST", "raw")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


# ---------------------------------------------------------------- PyTorch side

def torch_variant(mode, threads, epochs, root, fashion=False, device="cpu"):
    import torch
    import torch.nn as nn
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    torch.set_num_threads(threads)
    torch.manual_seed(0)

    class MNISTClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(
                nn.Flatten(), nn.Linear(28 * 28, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))

        def forward(self, x):
            return self.layers(x)

    kind = datasets.FashionMNIST if fashion else datasets.MNIST
    train = kind(root=root, train=True, download=False, transform=transforms.ToTensor())
    test = kind(root=root, train=False, download=False, transform=transforms.ToTensor())
    model = MNISTClassifier().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

    def step(data, target):
        optimizer.zero_grad()
        loss = criterion(model(data), target)
        loss.backward()
        optimizer.step()
        return loss.item()

    times, last = [], 0.0
    if mode == "lesson":
        loader = DataLoader(train, batch_size=64, shuffle=True)
        for _ in range(epochs):
            t0 = time.perf_counter()
            model.train()
            for data, target in loader:
                last = step(data.to(device), target.to(device))
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for data, target in DataLoader(test, batch_size=1000):
                correct += (model(data.to(device)).argmax(1) == target.to(device)).sum().item()
        eval_s = time.perf_counter() - t0
    else:
        images = train.data.float().div(255).unsqueeze(1).to(device)
        labels = train.targets.to(device)
        test_images = test.data.float().div(255).unsqueeze(1).to(device)
        test_targets = test.targets.to(device)
        n = len(labels)
        for _ in range(epochs):
            t0 = time.perf_counter()
            model.train()
            order = torch.randperm(n, device=device)
            for start in range(0, n, 64):
                idx = order[start:start + 64]
                last = step(images[idx], labels[idx])
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.eval()
        correct = 0
        with torch.no_grad():
            for start in range(0, len(test.targets), 1000):
                out = model(test_images[start:start + 1000])
                correct += (out.argmax(1) == test_targets[start:start + 1000]).sum().item()
        eval_s = time.perf_counter() - t0
    print(json.dumps({
        "impl": "torch", "mode": mode, "threads": threads, "device": str(device),
        "epoch_seconds": times,
        "eval_seconds": eval_s, "accuracy": 100.0 * correct / len(test.targets),
        "last_loss": last, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


# ---------------------------------------------------------------- the driver

def build_c(tmp):
    """Compiles bench/train_mnist.c against the built libcnb, as a cell is."""
    libdir = os.path.join(BUILD, "runtime", ".libs")
    exe = os.path.join(tmp, "train_mnist")
    blas_cflags = subprocess.run(["pkg-config", "--cflags", "openblas"], capture_output=True,
                                 text=True).stdout.split()
    blas_libs = subprocess.run(["pkg-config", "--libs", "openblas"], capture_output=True,
                               text=True).stdout.split()
    cmd = [os.environ.get("CC", "gcc"), "-O2", "-std=gnu17", "-D_GNU_SOURCE",
           "-I", os.path.join(SRC, "runtime", "include")] + blas_cflags + [
           os.path.join(SRC, "bench", "train_mnist.c"), "-o", exe,
           "-L", libdir, "-Wl,-rpath," + libdir, "-lcnb"] + blas_libs + ["-lm"]
    subprocess.run(cmd, check=True)
    return exe


def torchvision_root(tmp, fashion, source=None):
    """torchvision wants root/MNIST/raw/<files> (uncompressed): the shipped
    MNIST files or Debian's Fashion-MNIST, unpacked."""
    raw = os.path.join(tmp, "FashionMNIST" if fashion else "MNIST", "raw")
    os.makedirs(raw)
    for f in FILES:
        folder = source or (FASHION_DIR if fashion else MNIST_DIR)
        with gzip.open(os.path.join(folder, f + ".gz")) as src, \
                open(os.path.join(raw, f), "wb") as dst:
            shutil.copyfileobj(src, dst)
    return tmp


def run_json(cmd, **env):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=dict(os.environ, **env)).stdout
    return json.loads(out.strip().splitlines()[-1])


def mean(xs):
    return sum(xs) / len(xs)


def row(name, r):
    e = r["epoch_seconds"]
    return "| %-31s | %7.3f | %7.3f | %s | %7.3f | %7.0f | %6.2f%% |" % (
        name, mean(e), min(e), " ".join("%.3f" % x for x in e), r["eval_seconds"],
        r["maxrss_kb"] / 1024.0, r["accuracy"])


def torch_threads():
    import torch
    return torch.get_num_threads()


def gpu_main(args):
    """The GPU's variants, one process each, and the issue's targets."""
    data_dir = args.mnist or MNIST_DIR
    tmp = tempfile.mkdtemp(prefix="cnb-bench-")
    try:
        exe = args.exe or build_c(tmp)
        root = torchvision_root(os.path.join(tmp, "tv"), False, data_dir)
        ep = str(args.epochs)
        threads = str(torch_threads())
        results = {
            "cnb_gpu": run_json([exe, "pipeline", ep, data_dir, "cuda"]),
            "cnb_cpu": run_json([exe, "pipeline", ep, data_dir]),
        }
        for mode in ("lesson", "preloaded"):
            results["torch_gpu_" + mode] = run_json(
                [sys.executable, os.path.abspath(__file__), "--epochs", ep, "--device", "cuda",
                 "--torch", mode, threads, root])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    g, c = results["cnb_gpu"], results["cnb_cpu"]
    tl, tp = results["torch_gpu_lesson"], results["torch_gpu_preloaded"]
    print("MNIST, MLP 784-256-128-64-10, Adam 1e-3, batch 64 (938 batches), %d epochs; GPU: %s"
          % (args.epochs, g.get("device")))
    print("| variant | s/epoch (mean) | s/epoch (best) | epochs | eval 10k (s) | peak RSS (MB) | test acc |")
    print("|---|---|---|---|---|---|---|")
    print(row("libcnb on the GPU, dataloader", g))
    print(row("libcnb on the CPU, dataloader", c))
    print(row("torch on the GPU, lesson DataLoader", tl))
    print(row("torch on the GPU, preloaded", tp))
    print()
    best = min(g["epoch_seconds"])
    print("target: an epoch in at most 0.05 s: libcnb GPU best %.4f s, mean %.4f s -> %s"
          % (best, mean(g["epoch_seconds"]), "met" if best <= 0.05 else "NOT met"))
    ratio = mean(tp["epoch_seconds"]) / mean(g["epoch_seconds"])
    print("target: 10x torch preloaded on the GPU: %.1fx (means) -> %s"
          % (ratio, "met" if ratio >= 10 else "NOT met"))
    print("libcnb GPU vs torch GPU lesson DataLoader: %.1fx; vs libcnb CPU: %.1fx; "
          "accuracy GPU %.2f%% CPU %.2f%%" % (
              mean(tl["epoch_seconds"]) / mean(g["epoch_seconds"]),
              mean(c["epoch_seconds"]) / mean(g["epoch_seconds"]), g["accuracy"], c["accuracy"]))
    print(json.dumps(results))
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--fashion", action="store_true")
    parser.add_argument("--torch", nargs=3, metavar=("MODE", "THREADS", "ROOT"))
    parser.add_argument("--device", default="cpu", help="the torch variant's device")
    parser.add_argument("--gpu", action="store_true", help="the GPU's variants")
    parser.add_argument("--exe", help="a built train_mnist (else compiled here)")
    parser.add_argument("--mnist", help="directory of MNIST's IDX files (.gz)")
    args = parser.parse_args()
    if args.torch:
        torch_variant(args.torch[0], int(args.torch[1]), args.epochs, args.torch[2], args.fashion,
                      args.device)
        return 0
    if args.gpu:
        return gpu_main(args)
    data_dir = FASHION_DIR if args.fashion else MNIST_DIR
    extra = ["fashion"] if args.fashion else []
    flags = ["--fashion"] if args.fashion else []
    tmp = tempfile.mkdtemp(prefix="cnb-bench-")
    try:
        exe = build_c(tmp)
        root = torchvision_root(os.path.join(tmp, "tv"), args.fashion)
        ep = str(args.epochs)
        results = {}
        load_before = os.getloadavg()
        for threads in ("1", "2"):
            results["gemm_" + threads] = run_json([exe, "gemm", ep, data_dir] + extra,
                                                  GEMM_THREADS=threads)
        results["cnb_preloaded"] = run_json([exe, "preloaded", ep, data_dir] + extra)
        results["cnb_pipeline"] = run_json([exe, "pipeline", ep, data_dir] + extra)
        results["cnb_preloaded_1"] = run_json([exe, "preloaded", ep, data_dir] + extra,
                                              CNB_NUM_THREADS="1")
        results["cnb_pipeline_1"] = run_json([exe, "pipeline", ep, data_dir] + extra,
                                             CNB_NUM_THREADS="1")
        for mode in ("preloaded", "lesson"):
            for threads in (1, 2):
                results["torch_%s_%d" % (mode, threads)] = run_json(
                    [sys.executable, os.path.abspath(__file__), "--epochs", ep] + flags +
                    ["--torch", mode, str(threads), root])
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def best(mode):
        a, b = results["torch_%s_1" % mode], results["torch_%s_2" % mode]
        return a if mean(a["epoch_seconds"]) <= mean(b["epoch_seconds"]) else b

    tp, tl = best("preloaded"), best("lesson")
    gemm_best = min((results["gemm_1"], results["gemm_2"]), key=lambda r: mean(r["epoch_seconds"]))
    results["gemm"] = gemm_best
    g = mean(gemm_best["epoch_seconds"])
    cp, cl = results["cnb_preloaded"], results["cnb_pipeline"]
    print("%s, MLP 784-256-128-64-10, Adam 1e-3, batch 64 (938 batches), %d epochs; "
          "eval: 10k test images in batches of 1000" % (
              "Fashion-MNIST" if args.fashion else "MNIST", args.epochs))
    print("| variant | s/epoch (mean) | s/epoch (best) | epochs | eval 10k (s) | peak RSS (MB) | test acc |")
    print("|---|---|---|---|---|---|---|")
    print(row("libcnb, dataloader pipeline", cl))
    print(row("libcnb, preloaded tensors", cp))
    print(row("libcnb, dataloader pipeline, 1 thr", results["cnb_pipeline_1"]))
    print(row("libcnb, preloaded tensors, 1 thr", results["cnb_preloaded_1"]))
    for mode, label in (("lesson", "torch, lesson DataLoader"), ("preloaded", "torch, preloaded")):
        for threads in (1, 2):
            print(row("%s, %d thr" % (label, threads), results["torch_%s_%d" % (mode, threads)]))
    for threads in ("1", "2"):
        ge = results["gemm_" + threads]["epoch_seconds"]
        print("| %-31s | %7.3f | %7.3f | %s | | | |" % (
            "GEMMs alone (OpenBLAS, %s thr)" % threads, mean(ge), min(ge),
            " ".join("%.3f" % x for x in ge)))
    print()
    print("load average (1, 5, 15 min) before: %.2f %.2f %.2f, after: %.2f %.2f %.2f; "
          "libcnb threads: %s" % (load_before + load_after + (
              os.environ.get("CNB_NUM_THREADS", "default (all cores)"),)))
    print("libcnb preloaded vs torch preloaded (best of 1/2 threads: %d): %.1fx faster (means), "
          "%.1fx (best epochs)" % (tp["threads"], mean(tp["epoch_seconds"]) / mean(cp["epoch_seconds"]),
                                   min(tp["epoch_seconds"]) / min(cp["epoch_seconds"])))
    print("libcnb pipeline vs torch lesson pipeline (best of 1/2 threads: %d): %.1fx faster (means), "
          "%.1fx (best epochs)" % (tl["threads"], mean(tl["epoch_seconds"]) / mean(cl["epoch_seconds"]),
                                   min(tl["epoch_seconds"]) / min(cl["epoch_seconds"])))
    print("libcnb preloaded epoch / GEMMs alone (best of 1/2 threads): %.2fx; "
          "libcnb pipeline epoch / GEMMs alone: %.2fx"
          % (mean(cp["epoch_seconds"]) / g, mean(cl["epoch_seconds"]) / g))
    print("eval 10k: libcnb %.3f s vs torch %.3f s (preloaded, best)" % (
        cp["eval_seconds"], tp["eval_seconds"]))
    print("peak memory: libcnb pipeline %.0f MB vs torch lesson %.0f MB; libcnb preloaded %.0f MB "
          "vs torch preloaded %.0f MB" % (cl["maxrss_kb"] / 1024, tl["maxrss_kb"] / 1024,
                                          cp["maxrss_kb"] / 1024, tp["maxrss_kb"] / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())
