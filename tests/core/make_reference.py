#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
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

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# random.txt is core's; the MLP files are nn's (tests/nn/test_parity.c).
HERE = os.path.join(TESTS, "core", "reference")
NN_HERE = os.path.join(TESTS, "nn", "reference")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from torch_reference import MNISTClassifier, Writer as ReferenceWriter  # noqa: E402


def Writer(name, where=HERE):
    return ReferenceWriter(where, name, "tests/core/make_reference.py")


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


class Small(nn.Module):
    """A small MLP with every activation, so that whole tensors fit in the file."""
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16, 12), nn.ReLU(),
            nn.Linear(12, 10), nn.Tanh(),
            nn.Linear(10, 8), nn.Sigmoid(),
            nn.Linear(8, 5))

    def forward(self, x):
        return self.layers(x)


def put_summary(w, prefix, t):
    """Enough of a big tensor to catch any difference: ends, a stride, sums."""
    flat = t.detach().reshape(-1).double()
    w.put(prefix + ".first", flat[:16].float())
    w.put(prefix + ".last", flat[-16:].float())
    w.put(prefix + ".strided", flat[::1009].float())
    w.put(prefix + ".sum", flat.sum().reshape(1))
    w.put(prefix + ".abs_sum", flat.abs().sum().reshape(1))


def lesson_init():
    """nn.Linear init of the lesson's MLP after manual_seed(0), then one
    training step (Adam, lr 1e-3) on a batch from torch.rand."""
    w = Writer("lesson_mlp.txt", NN_HERE)
    torch.manual_seed(0)
    model = MNISTClassifier()
    w.put("after_init.rand", torch.rand(4))   # where the stream stands after init
    torch.manual_seed(0)
    model = MNISTClassifier()
    for name, p in model.state_dict().items():
        w.put(name + ".shape", torch.tensor(list(p.shape)))
        put_summary(w, name, p)
    torch.manual_seed(123)
    x = torch.rand(8, 1, 28, 28)
    target = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    optimizer.zero_grad()
    logits = model(x)
    loss = nn.CrossEntropyLoss()(logits, target)
    loss.backward()
    w.put("step.target", target)
    w.put("step.logits", logits)
    w.put("step.loss", loss.reshape(1))
    for name, p in model.named_parameters():
        put_summary(w, "grad." + name, p.grad)
    optimizer.step()
    for name, p in model.named_parameters():
        put_summary(w, "adam1." + name, p)
    w.close()


def train_steps(w, prefix, model, make_optimizer, x, target, steps):
    optimizer = make_optimizer(model.parameters())
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits, target)
        loss.backward()
        if step == 1:
            w.put(prefix + ".logits", logits)
            w.put(prefix + ".loss", loss.reshape(1))
            for name, p in model.named_parameters():
                w.put(prefix + ".grad." + name, p.grad)
        optimizer.step()
        w.put("%s.loss%d" % (prefix, step), loss.reshape(1))
        if step in (1, steps):
            for name, p in model.named_parameters():
                w.put("%s.step%d.%s" % (prefix, step, name), p)


def small_steps():
    """Whole tensors for a small MLP: init, logits, loss, gradients, and the
    parameters after Adam and SGD steps with every option that matters."""
    w = Writer("small_mlp.txt", NN_HERE)
    torch.manual_seed(77)
    x = torch.randn(6, 1, 4, 4)
    target = torch.tensor([0, 4, 2, 1, 3, 4])
    w.put("x", x)
    w.put("target", target)
    torch.manual_seed(1)
    init = Small().state_dict()
    for name, p in init.items():
        w.put("init." + name, p)
    optimizers = {
        "adam": lambda ps: torch.optim.Adam(ps, lr=0.01),
        "adam_wd": lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6,
                                               weight_decay=0.05),
        "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
        "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        "sgd_nesterov": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        "sgd_dampening": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3),
    }
    for prefix, make in optimizers.items():
        model = Small()
        model.load_state_dict(init)
        train_steps(w, prefix, model, make, x, target, 3)
    w.close()


def main():
    os.makedirs(HERE, exist_ok=True)
    os.makedirs(NN_HERE, exist_ok=True)
    torch.set_num_threads(1)
    random_streams()
    lesson_init()
    small_steps()


if __name__ == "__main__":
    sys.exit(main())
