#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes reference/optim_extras.txt for test_optim_extras: weight decay in
torch.optim.Adam and torch.optim.SGD (plain, momentum, Nesterov, dampening)
over several steps, and StepLR's lr sequence, also while training.  Run with
Debian's python3-torch (1.13):

    /usr/bin/python3 tests/nn/make_optim_reference.py"""
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from torch_reference import Writer  # noqa: E402

STEPS = 4


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 3))

    def forward(self, x):
        return self.layers(x)


OPTIMIZERS = {
    "adam_wd": lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    "adam_wd_big": lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.5, 0.9), weight_decay=2.0),
    "sgd_wd": lambda ps: torch.optim.SGD(ps, lr=0.1, weight_decay=0.1),
    "sgd_momentum_wd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05),
    "sgd_nesterov_wd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                                  weight_decay=0.05),
    "sgd_dampening_wd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.3,
                                                   weight_decay=0.02),
}


def put_lrs(w, name, lrs):
    """Doubles with 17 digits: the test checks them exactly."""
    w.out.write("%s 1 %d %s\n" % (name, len(lrs), " ".join("%.17g" % v for v in lrs)))


def train(w, prefix, init, x, target, make, scheduler=None, steps=STEPS):
    model = Tiny()
    model.load_state_dict(init)
    optimizer = make(model.parameters())
    sched = scheduler(optimizer) if scheduler else None
    lrs = []
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        nn.CrossEntropyLoss()(model(x), target).backward()
        optimizer.step()
        if sched:
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        for name, p in model.named_parameters():
            w.put("%s.step%d.%s" % (prefix, step, name), p)
    if sched:
        put_lrs(w, prefix + ".lr", lrs)


def main():
    torch.set_num_threads(1)
    os.makedirs(HERE, exist_ok=True)
    w = Writer(HERE, "optim_extras.txt", "tests/nn/make_optim_reference.py")
    torch.manual_seed(19)
    x = torch.randn(5, 4)
    target = torch.tensor([0, 2, 1, 2, 0])
    init = Tiny().state_dict()
    w.put("x", x)
    w.put("target", target)
    for name, p in init.items():
        w.put("init." + name, p)
    for prefix, make in OPTIMIZERS.items():
        train(w, prefix, init, x, target, make)
    # StepLR over the epochs, the lr as get_last_lr() gives it (double)
    for prefix, lr, step_size, gamma, epochs in (("steplr_a", 0.1, 3, 0.5, 10),
                                                 ("steplr_b", 0.05, 2, 0.1, 7),
                                                 ("steplr_c", 0.001, 1, 0.9, 30)):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
        lrs = [sched.get_last_lr()[0]]
        for _ in range(epochs):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        put_lrs(w, prefix + ".lr", lrs)
    # training while the schedule lowers the lr: one step per "epoch"
    train(w, "adam_steplr", init, x, target,
          lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.01),
          lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5), steps=6)
    train(w, "sgd_steplr", init, x, target,
          lambda ps: torch.optim.SGD(ps, lr=0.2, momentum=0.9, weight_decay=0.01),
          lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3), steps=6)
    w.close()


if __name__ == "__main__":
    sys.exit(main())
