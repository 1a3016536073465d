#!/usr/bin/python3
"""Writes the PyTorch reference values the C tests of libcnb compare against
(llm.c style parity tests).  Run with Debian's python3-torch (1.13):

    /usr/bin/python3 tests/core/make_reference.py

Each file holds one tensor per line: "name ndim dim... value...", floats with
9 significant digits (exact for float32).  The files are small and committed;
rerun this script only when a test needs new values."""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


class Writer:
    def __init__(self, name):
        self.path = os.path.join(HERE, name)
        self.out = open(self.path, "w")
        self.out.write("# written by tests/core/make_reference.py with torch %s\n" % torch.__version__)

    def put(self, name, values, shape=None):
        t = torch.as_tensor(values).detach()
        shape = list(t.shape) if shape is None else shape
        flat = t.reshape(-1).tolist()
        if t.dtype.is_floating_point:
            text = " ".join("%.9g" % v for v in flat)
        else:
            text = " ".join("%d" % v for v in flat)
        self.out.write("%s %d %s %s\n" % (name, len(shape), " ".join(map(str, shape)), text))

    def close(self):
        self.out.close()
        print("wrote", self.path)


def random_streams():
    w = Writer("random.txt")
    for seed in range(3):
        torch.manual_seed(seed)
        # randint with a range below 2^32 is random() % range: the raw 32-bit
        # draws (except 2^32-1, which never shows up in 64 draws).
        w.put("seed%d.u32" % seed, torch.randint(0, 2**32 - 1, (64,), dtype=torch.int64))
        torch.manual_seed(seed)
        w.put("seed%d.uniform" % seed, torch.empty(64).uniform_(-0.5, 0.25))
        torch.manual_seed(seed)
        w.put("seed%d.randperm10" % seed, torch.randperm(10))
        w.put("seed%d.randperm1000" % seed, torch.randperm(1000))
    torch.manual_seed(7)
    v = int(torch.empty((), dtype=torch.int64).random_().item())
    w.put("seed7.int64", torch.tensor([v >> 32, v & 0xFFFFFFFF], dtype=torch.int64))
    g = torch.Generator().manual_seed(5)
    w.put("gen5.randperm20", torch.randperm(20, generator=g))
    w.close()


def main():
    os.makedirs(HERE, exist_ok=True)
    torch.set_num_threads(1)
    random_streams()


if __name__ == "__main__":
    sys.exit(main())
