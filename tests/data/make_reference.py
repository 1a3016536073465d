#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the PyTorch/torchvision reference values the data tests compare
against.  Run with Debian's python3-torch (1.13) and python3-torchvision
(0.14) from the repository root (MNIST comes from data/MNIST/raw):

    /usr/bin/python3 tests/data/make_reference.py

Same line format as tests/core/make_reference.py: "name ndim dim... value...",
floats with 9 significant digits (exact for float32).  The files are small
and committed; rerun this script only when a test needs new values."""
import gzip
import os
import sys

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, TensorDataset, random_split
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
MNIST = os.path.join(HERE, "..", "..", "data", "MNIST", "raw")
sys.path.insert(0, os.path.dirname(HERE))
from torch_reference import Writer as ReferenceWriter  # noqa: E402


def Writer(name):
    return ReferenceWriter(OUT, name, "tests/data/make_reference.py")


def read_idx(name):
    """The uint8 array of an IDX file, as torchvision's read_sn3_pascalvincent_tensor."""
    with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def index_dataset(n):
    """A dataset whose items are their own indices (to read orders back)."""
    return TensorDataset(torch.arange(n))


def epoch_order(loader):
    return torch.cat([batch[0] for batch in loader])


def order_checksum(order):
    """sum(i * order[i]) mod 2^31: one number that pins a whole order."""
    i = torch.arange(len(order), dtype=torch.int64)
    return int((i * order.to(torch.int64)).sum().item() % (1 << 31))


def splits_and_shuffles():
    w = Writer("order.txt")
    # random_split, small and the lesson's 10k test set into 5k + 5k.
    torch.manual_seed(0)
    a, b = random_split(range(100), [30, 70])
    w.put("split.seed0.100.a", list(a.indices))
    w.put("split.seed0.100.b", list(b.indices))
    torch.manual_seed(42)
    a, b = random_split(range(10000), [5000, 5000])
    w.put("split.seed42.10000.a", list(a.indices))
    w.put("split.seed42.10000.b", list(b.indices))
    # Shuffled loader over 1000 items, three epochs, batch 64.
    torch.manual_seed(7)
    loader = DataLoader(index_dataset(1000), batch_size=64, shuffle=True)
    for epoch in range(3):
        w.put("shuffle.seed7.1000.epoch%d" % epoch, epoch_order(loader))
    # The lesson's sequence: split the test set, then train epochs (shuffled)
    # with a validation pass (not shuffled) after each.
    torch.manual_seed(1234)
    test_part, valid_part = random_split(index_dataset(10000), [5000, 5000])
    train = DataLoader(index_dataset(60000), batch_size=64, shuffle=True)
    valid = DataLoader(valid_part, batch_size=64, shuffle=False)
    w.put("lesson.seed1234.valid", valid_part.indices[:64])
    for epoch in range(2):
        order = epoch_order(train)
        w.put("lesson.seed1234.train.epoch%d.head" % epoch, order[:256])
        w.put("lesson.seed1234.train.epoch%d.checksum" % epoch, [order_checksum(order)])
        valid_order = epoch_order(valid)
        w.put("lesson.seed1234.valid.epoch%d.head" % epoch, valid_order[:64])
    # The next number of the default generator after all that.
    w.put("lesson.seed1234.after", [torch.empty((), dtype=torch.int64).random_().item() % (1 << 31)])
    w.close()


def rotations():
    images = read_idx("t10k-images-idx3-ubyte")
    w = Writer("rotation.txt")
    # Fixed angles through PIL's rotate, as F.rotate calls it.
    angles = [-10.0, -7.3, -0.5, 0.25, 3.5, 9.999, 33.3, 45.0, 90.0, 135.0, 180.0, 270.0, -90.0]
    w.put("angles", angles)
    for k in range(3):
        img = Image.fromarray(images[k], mode="L")
        w.put("image%d" % k, torch.from_numpy(np.array(img)).to(torch.int64))
        for j, angle in enumerate(angles):
            out = transforms.functional.rotate(img, angle, transforms.InterpolationMode.NEAREST,
                                               False, None, 0)
            w.put("image%d.angle%d" % (k, j), torch.from_numpy(np.array(out)).to(torch.int64))
    # The lesson's training transform on the first training images, seed 0.
    train = read_idx("train-images-idx3-ubyte")
    pipeline = transforms.Compose([transforms.RandomRotation(10), transforms.ToTensor(),
                                   transforms.Normalize((0.1307,), (0.3081,))])
    torch.manual_seed(0)
    for k in range(4):
        w.put("pipeline.seed0.item%d" % k, pipeline(Image.fromarray(train[k], mode="L")))
    torch.manual_seed(0)
    w.put("pipeline.seed0.angles", [transforms.RandomRotation.get_params([-10.0, 10.0])
                                    for _ in range(4)])
    w.close()


def plain_transforms():
    train = read_idx("train-images-idx3-ubyte")
    w = Writer("transform.txt")
    img = Image.fromarray(train[0], mode="L")
    w.put("to_tensor.item0", transforms.ToTensor()(img))
    w.put("normalize.item0", transforms.Normalize((0.1307,), (0.3081,))(transforms.ToTensor()(img)))
    # Mean and std of all training pixels after ToTensor (the lesson's 0.1307, 0.3081).
    x = torch.from_numpy(train.astype(np.float32)).div(255)
    w.put("mnist.train.mean_std", [x.mean().item(), x.std().item()])
    w.close()


def loader_with_rotation():
    """DataLoader(shuffle) over the first 200 training images with the
    lesson's augmentation: the whole first batch, bit for bit."""
    train = read_idx("train-images-idx3-ubyte")[:200]
    labels = read_idx("train-labels-idx1-ubyte")[:200]
    pipeline = transforms.Compose([transforms.RandomRotation(10), transforms.ToTensor(),
                                   transforms.Normalize((0.1307,), (0.3081,))])

    class Images(torch.utils.data.Dataset):
        def __len__(self):
            return len(train)

        def __getitem__(self, i):
            return pipeline(Image.fromarray(train[i], mode="L")), int(labels[i])

    w = Writer("loader.txt")
    torch.manual_seed(3)
    loader = DataLoader(Images(), batch_size=64, shuffle=True)
    for epoch in range(2):
        for index, (data, target) in enumerate(loader):
            if index == 0:
                w.put("rot.seed3.epoch%d.batch0.data" % epoch, data[:2])
                w.put("rot.seed3.epoch%d.batch0.target" % epoch, target.to(torch.int64))
            w.put("rot.seed3.epoch%d.batch%d.sum" % (epoch, index), [data.double().sum().item()])
    w.close()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    splits_and_shuffles()
    rotations()
    plain_transforms()
    loader_with_rotation()
