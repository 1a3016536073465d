# SPDX-License-Identifier: BSD-3-Clause
"""What the PyTorch side of the parity tests shares: the lesson's model and
the writer of reference files ("name ndim dim... value...", floats with 9
significant digits, exact for float32) that the C tests read."""
import os

import torch
import torch.nn as nn


class MNISTClassifier(nn.Module):
    """The lesson's model, unchanged (its state_dict names are layers.N.*)."""
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 256), nn.ReLU(),
            nn.Linear(256, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10))

    def forward(self, x):
        return self.layers(x)


class Writer:
    """One reference file in folder, written by the script named in its first line."""
    def __init__(self, folder, name, script):
        self.path = os.path.join(folder, name)
        self.out = open(self.path, "w")
        self.out.write("# written by %s with torch %s\n" % (script, torch.__version__))

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
