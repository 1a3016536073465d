# SPDX-License-Identifier: BSD-3-Clause
"""A model trained in C (libcnb) loads into the lesson's PyTorch MLP and
predicts the same.  safetensors has no Debian package for Python, but the
format is small: an 8-byte little-endian header length, a JSON header, raw
little-endian data; read here by hand."""
import json
import os
import struct
import subprocess

import numpy as np
import pytest
import torch

from torch_reference import MNISTClassifier


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    data = blob[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32"
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(values.copy())
    return header, tensors


@pytest.fixture(scope="module")
def c_run(tmp_path_factory):
    program = os.path.join(os.environ["CNB_BUILDDIR"], "tests", "nn", "train_and_save")
    if not os.path.exists(program):
        pytest.fail("%s is not built (make check builds it)" % program)
    tmp = tmp_path_factory.mktemp("checkpoint")
    model_path, pred_path = str(tmp / "model.safetensors"), str(tmp / "pred.bin")
    subprocess.run([program, model_path, pred_path], check=True, timeout=120)
    with open(pred_path, "rb") as f:
        (n,) = struct.unpack("<i", f.read(4))
        inputs = np.frombuffer(f.read(n * 784 * 4), dtype="<f4").reshape(n, 1, 28, 28)
        outputs = np.frombuffer(f.read(n * 10 * 4), dtype="<f4").reshape(n, 10)
    return model_path, torch.from_numpy(inputs.copy()), torch.from_numpy(outputs.copy())


def test_names_and_shapes_are_the_state_dict(c_run):
    header, tensors = read_safetensors(c_run[0])
    reference = MNISTClassifier().state_dict()
    assert list(tensors) == list(reference)
    for name, t in reference.items():
        assert list(tensors[name].shape) == list(t.shape), name
    assert header["__metadata__"]["format"] == "pt"


def test_load_state_dict_strict(c_run):
    _, tensors = read_safetensors(c_run[0])
    model = MNISTClassifier()
    result = model.load_state_dict(tensors, strict=True)
    assert not result.missing_keys and not result.unexpected_keys


def test_same_predictions_as_c(c_run):
    _, tensors = read_safetensors(c_run[0])
    model = MNISTClassifier()
    model.load_state_dict(tensors)
    model.eval()
    with torch.no_grad():
        out = model(c_run[1])
    assert torch.allclose(out, c_run[2], atol=1e-5, rtol=1e-5), (out - c_run[2]).abs().max()
    assert torch.equal(out.argmax(dim=1), c_run[2].argmax(dim=1))


def test_the_c_model_learned_something(c_run):
    """The checkpoint is a trained model, not the initial one."""
    _, tensors = read_safetensors(c_run[0])
    torch.manual_seed(2024)
    fresh = MNISTClassifier().state_dict()
    assert (tensors["layers.7.weight"] - fresh["layers.7.weight"]).abs().max() > 1e-3
