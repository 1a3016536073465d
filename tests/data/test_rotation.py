# SPDX-License-Identifier: BSD-3-Clause
"""random_rotation against torchvision's RandomRotation: the same angles from
the same seed, the same pixels, on thousands of real MNIST images and on
random images of other shapes."""
import gzip
import os
import subprocess

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms

BUILD = os.environ.get("CNB_BUILDDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("CNB_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ROTATE = os.path.join(BUILD, "tests", "data", "rotate_images")
MNIST = os.environ.get("CNB_MNIST_DIR") or os.path.join(SRC, "data", "MNIST", "raw")


def load_mnist():
    with gzip.open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)


def compare(images, seed, degrees):
    """Rotates with libcnb and with torchvision; returns how many differ."""
    count, height, width = images.shape
    result = subprocess.run([ROTATE, str(height), str(width), str(seed), str(degrees)],
                            input=images.tobytes(), capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    ours = np.frombuffer(result.stdout, dtype=np.uint8).reshape(count, height, width)
    rotate = transforms.RandomRotation(degrees)
    torch.manual_seed(seed)
    theirs = np.stack([np.array(rotate(Image.fromarray(img, mode="L"))) for img in images])
    changed = (ours != images).any(axis=(1, 2)).mean()
    return int((ours != theirs).any(axis=(1, 2)).sum()), changed


@pytest.mark.parametrize("seed,count,degrees", [(0, 2000, 10), (12345, 1000, 180), (7, 500, 45)])
def test_mnist_same_pixels_as_torchvision(seed, count, degrees):
    differ, changed = compare(load_mnist()[:count], seed, degrees)
    assert differ == 0, "%d of %d images differ from torchvision" % (differ, count)
    assert changed > 0.5            # the rotation did something to most images


@pytest.mark.parametrize("height,width", [(20, 33), (33, 20), (64, 64), (1, 7)])
def test_other_shapes_same_pixels_as_torchvision(height, width):
    images = np.random.default_rng(height * 100 + width).integers(
        0, 256, size=(200, height, width), dtype=np.uint8)
    differ, _ = compare(images, 99, 180)
    assert differ == 0, "%d of 200 %dx%d images differ from torchvision" % (differ, height, width)
