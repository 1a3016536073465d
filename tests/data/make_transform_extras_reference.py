#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes reference/transform_extras.txt for test_transforms_extras:
torchvision's RandomCrop(size, padding) and RandomHorizontalFlip from the
same seeds, alone, composed, and in a shuffling DataLoader over the real
MNIST with the whole augmentation pipeline.  Run with Debian's
python3-torch (1.13) and python3-torchvision (0.14) from the repository root:

    /usr/bin/python3 tests/data/make_transform_extras_reference.py"""
import os
import sys

import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from make_reference import read_idx  # noqa: E402
from torch_reference import Writer  # noqa: E402


def next_raw():
    """The generator's next 32-bit draw: tells how many numbers came before."""
    return torch.randint(0, 2**32 - 1, (1,), dtype=torch.int64)


def small_images(w):
    image = torch.arange(1, 2 * 6 * 6 + 1, dtype=torch.float32).reshape(2, 6, 6)
    w.put("small.image", image)
    cases = {
        "crop_flip": T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip()]),
        "flip_crop": T.Compose([T.RandomHorizontalFlip(p=0.3), T.RandomCrop(6, padding=1)]),
        "crop0": T.RandomCrop(6),
        "flip0": T.RandomHorizontalFlip(p=0.0),
        "flip1": T.RandomHorizontalFlip(p=1.0),
    }
    for name, transform in cases.items():
        torch.manual_seed(3)
        outs = torch.stack([transform(image.clone()) for _ in range(40)])
        w.put("small.%s.out" % name, outs)
        w.put("small.%s.next" % name, next_raw())


def loader(w):
    images = read_idx("train-images-idx3-ubyte")
    labels = read_idx("train-labels-idx1-ubyte")
    pipeline = T.Compose([T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.ToTensor(),
                          T.Normalize((0.1307,), (0.3081,))])

    class Images(torch.utils.data.Dataset):
        def __len__(self):
            return len(images)

        def __getitem__(self, i):
            return pipeline(Image.fromarray(images[i], mode="L")), int(labels[i])

    torch.manual_seed(5)
    for index, (data, target) in enumerate(DataLoader(Images(), batch_size=16, shuffle=True)):
        if index == 0:
            w.put("loader.batch0.data", data[:4])
            w.put("loader.batch0.target", target.to(torch.int64))
        w.put("loader.batch%d.sum" % index, [data.double().sum().item()])
        if index == 2:
            break


def main():
    w = Writer(os.path.join(HERE, "reference"), "transform_extras.txt",
               "tests/data/make_transform_extras_reference.py")
    small_images(w)
    loader(w)
    w.close()


if __name__ == "__main__":
    sys.exit(main())
