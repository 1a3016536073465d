"""The CNN layers (conv2d, max/avg pooling, batch norm, dropout2d) against
PyTorch: initialization under the same seed, forward and backward on random
inputs of several shapes, a whole Adam step of the small CNN, and
checkpoints both ways.  libcnb is called through ctypes (cnb_ctypes.py).

Each layer L is tested inside [conv2d(C, C, 1), L, flatten, linear]: the
1x1 convolution before it makes the model backpropagate through L, so
its input gradient shows in that convolution's weight gradient."""
import json
import struct

import numpy as np
import pytest
import torch
from torch import nn

import cnb_ctypes as cnb

# relative to the largest value; the absolute part is for gradients that
# are 0 in exact arithmetic (a bias before batch norm: both sides ~1e-8)
RTOL, ATOL = 1e-5, 1e-7


def close(a, b, what):
    a, b = np.asarray(a), np.asarray(b, dtype=np.float32)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    scale = np.abs(b).max()
    err = np.abs(a - b).max()
    assert err <= RTOL * scale + ATOL, "%s: max error %.3g of max %.3g" % (what, err, scale)


def torch_model_like(c_model, modules):
    """nn.Sequential of modules with the C model's parameters copied in."""
    torch_model = nn.Sequential(*modules)
    params = cnb.parameters(c_model)
    with torch.no_grad():
        for name, p in torch_model.named_parameters():
            p.copy_(torch.from_numpy(params["layers." + name][0]))
    return torch_model


def run_both(c_layers, modules, x, classes, train=True):
    """One forward + cross-entropy backward in both; returns the C model."""
    model = cnb.sequential(*c_layers)
    torch_model = torch_model_like(model, modules)
    target = np.random.default_rng(1).integers(0, classes, x.shape[0]).astype(np.float32)
    if not train:
        cnb.model_eval(model)
        torch_model.eval()
    xt, tt = cnb.to_tensor(x), cnb.to_tensor(target)
    out = cnb.model_forward(model, xt)
    assert out, cnb.last_error()
    loss = cnb.cross_entropy_loss()
    lv = cnb.loss_forward(loss, out, tt)
    assert lv, cnb.last_error()
    cnb.loss_backward(lv)
    ref_out = torch_model(torch.from_numpy(x))
    ref_loss = nn.functional.cross_entropy(ref_out, torch.from_numpy(target).long())
    ref_loss.backward()
    close(cnb.to_numpy(out), ref_out.detach().numpy(), "output")
    close(cnb.to_numpy(lv), ref_loss.detach().numpy().reshape(cnb.to_numpy(lv).shape), "loss")
    ref = dict(torch_model.named_parameters())
    for name, (value, grad) in cnb.parameters(model).items():
        close(grad, ref[name[len("layers."):]].grad.numpy(), name + " grad")
    cnb.loss_free(loss)
    cnb.tensor_free(xt)
    cnb.tensor_free(tt)
    return model, torch_model


def flat_size(modules, shape):
    """Features after modules (in eval mode, so no running statistic moves)."""
    probe = nn.Sequential(*modules).eval()
    with torch.no_grad():
        size = probe(torch.zeros(shape)).numel() // shape[0]
    probe.train()
    return size


CONV_CASES = [  # (batch, channels, h, w), out, k, stride, padding, bias
    ((2, 3, 7, 9), 4, 3, 1, 0, True),
    ((1, 3, 8, 7), 4, 3, 2, 1, True),
    ((3, 3, 9, 9), 5, 5, 1, "same", True),
    ((2, 2, 6, 6), 4, 2, 2, 0, False),
    ((2, 1, 28, 28), 8, 3, 1, 1, True),
    ((5, 3, 5, 5), 2, 1, 1, 0, True),
]


@pytest.mark.parametrize("shape,out,k,stride,padding,bias", CONV_CASES)
def test_conv2d_forward_backward(shape, out, k, stride, padding, bias):
    c = shape[1]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    pad_c = cnb.__dict__.get("PADDING_SAME", -1) if padding == "same" else padding
    modules = [nn.Conv2d(c, c, 1), nn.Conv2d(c, out, k, stride=stride, padding=padding,
                                             bias=bias), nn.Flatten()]
    features = flat_size(modules, shape)
    cnb.manual_seed(0)
    run_both([cnb.conv2d(c, c, 1), cnb.conv2d(c, out, k, stride, pad_c, bias), cnb.flatten(),
              cnb.linear(features, 3)], modules + [nn.Linear(features, 3)], x, 3)


POOL_CASES = [  # kind, (batch, channels, h, w), k, stride, padding
    ("max", (2, 3, 8, 8), 2, 0, 0),
    ("max", (1, 2, 7, 7), 2, 0, 0),
    ("max", (3, 2, 9, 8), 3, 2, 1),
    ("avg", (2, 3, 8, 8), 2, 0, 0),
    ("avg", (1, 2, 7, 9), 3, 2, 1),
    ("avg", (2, 2, 5, 5), 3, 1, 1),
]


@pytest.mark.parametrize("kind,shape,k,stride,padding", POOL_CASES)
def test_pool2d_forward_backward(kind, shape, k, stride, padding):
    c = shape[1]
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    torch_pool = (nn.MaxPool2d if kind == "max" else nn.AvgPool2d)(k, stride=stride or None,
                                                                  padding=padding)
    modules = [nn.Conv2d(c, c, 1), torch_pool, nn.Flatten()]
    features = flat_size(modules, shape)
    c_pool = (cnb.max_pool2d if kind == "max" else cnb.avg_pool2d)(k, stride, padding)
    cnb.manual_seed(0)
    run_both([cnb.conv2d(c, c, 1), c_pool, cnb.flatten(), cnb.linear(features, 4)],
             modules + [nn.Linear(features, 4)], x, 4)


@pytest.mark.parametrize("shape,train", [((4, 3, 5, 7), True), ((2, 3, 6, 6), True),
                                         ((1, 2, 5, 5), True), ((3, 3, 4, 4), False)])
def test_batch_norm2d(shape, train):
    c = shape[1]
    x = (np.random.default_rng(3).standard_normal(shape) * 2 + 1).astype(np.float32)
    modules = [nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.Flatten()]
    features = flat_size(modules, shape)
    cnb.manual_seed(0)
    model, torch_model = run_both([cnb.conv2d(c, c, 1), cnb.batch_norm2d(c), cnb.flatten(),
                                   cnb.linear(features, 3)],
                                  modules + [nn.Linear(features, 3)], x, 3, train=train)
    path = "/tmp/cnb_bn_%d.safetensors" % id(model)
    assert cnb.model_save(model, path.encode()) == 0
    header, tensors = read_safetensors(path)
    bn = torch_model[1]
    close(tensors["layers.1.running_mean"], bn.running_mean.numpy(), "running_mean")
    close(tensors["layers.1.running_var"], bn.running_var.numpy(), "running_var")
    assert header["layers.1.num_batches_tracked"]["dtype"] == "I64"
    assert int(tensors["layers.1.num_batches_tracked"]) == int(bn.num_batches_tracked)


def test_batch_norm1d():
    x = np.random.default_rng(4).standard_normal((6, 5)).astype(np.float32)
    cnb.manual_seed(0)
    torch.manual_seed(0)
    run_both([cnb.linear(5, 4), cnb.batch_norm1d(4, 1e-3, 0.2), cnb.linear(4, 3)],
             [nn.Linear(5, 4), nn.BatchNorm1d(4, eps=1e-3, momentum=0.2), nn.Linear(4, 3)],
             x, 3)


def test_dropout2d_drops_whole_channels():
    x = np.random.default_rng(5).standard_normal((8, 6, 4, 4)).astype(np.float32) + 3
    cnb.manual_seed(0)
    model = cnb.sequential(cnb.dropout2d(0.5))
    y = cnb.to_numpy(cnb.model_forward(model, cnb.to_tensor(x)))
    kept = dropped = 0
    for n in range(8):
        for c in range(6):
            if np.all(y[n, c] == 0):
                dropped += 1
            else:
                np.testing.assert_allclose(y[n, c], 2 * x[n, c], rtol=1e-6)
                kept += 1
    assert kept > 5 and dropped > 5
    cnb.model_eval(model)
    np.testing.assert_array_equal(cnb.to_numpy(cnb.model_forward(model, cnb.to_tensor(x))), x)


def small_cnn_c():
    return cnb.sequential(cnb.conv2d(1, 8, 3, 1, 1), cnb.relu(), cnb.max_pool2d(2),
                          cnb.conv2d(8, 16, 3, 1, 1), cnb.batch_norm2d(16), cnb.relu(),
                          cnb.max_pool2d(2), cnb.flatten(), cnb.linear(16 * 7 * 7, 10))


def small_cnn_torch():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def test_initialization_bit_equal():
    cnb.manual_seed(0)
    model = small_cnn_c()
    torch.manual_seed(0)
    ref = dict(small_cnn_torch().named_parameters())
    params = cnb.parameters(model)
    assert list(params) == ["layers." + n for n in ref]
    for name, (value, _) in params.items():
        np.testing.assert_array_equal(value, ref[name[len("layers."):]].detach().numpy(), name)


def test_adam_step_of_the_small_cnn():
    rng = np.random.default_rng(6)
    x = rng.random((16, 1, 28, 28)).astype(np.float32)
    target = rng.integers(0, 10, 16).astype(np.float32)
    cnb.manual_seed(0)
    model = small_cnn_c()
    torch.manual_seed(0)
    ref = small_cnn_torch()
    optimizer = cnb.adam_new(model, cnb.AdamOptions(1e-3, 0, 0, 0, 0, 0))
    ref_optimizer = torch.optim.Adam(ref.parameters(), lr=1e-3)
    loss = cnb.cross_entropy_loss()
    xt, tt = cnb.to_tensor(x), cnb.to_tensor(target)
    for step in range(2):
        cnb.optimizer_zero_grad(optimizer)
        out = cnb.model_forward(model, xt)
        lv = cnb.loss_forward(loss, out, tt)
        cnb.loss_backward(lv)
        cnb.optimizer_step(optimizer)
        ref_optimizer.zero_grad()
        ref_out = ref(torch.from_numpy(x))
        ref_loss = nn.functional.cross_entropy(ref_out, torch.from_numpy(target).long())
        ref_loss.backward()
        ref_optimizer.step()
        close(cnb.to_numpy(out), ref_out.detach().numpy(), "step %d output" % step)
    refp = dict(ref.named_parameters())
    for name, (value, _) in cnb.parameters(model).items():
        if name == "layers.3.bias":
            # before batch norm its gradient is 0 in exact arithmetic; Adam
            # turns both sides' rounding noise (~1e-9) into full lr steps
            continue
        np.testing.assert_allclose(value, refp[name[len("layers."):]].detach().numpy(),
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    cnb.optimizer_free(optimizer)
    cnb.loss_free(loss)


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
        dtype = {"F32": "<f4", "I64": "<i8"}[entry["dtype"]]
        begin, end = entry["data_offsets"]
        values = np.frombuffer(data[begin:end], dtype=dtype).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(values.copy())
    return header, tensors


def write_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        a = t.detach().numpy()
        dtype = {np.float32: "F32", np.int64: "I64"}[a.dtype.type]
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = small_cnn_torch()

    def forward(self, x):
        return self.layers(x)


def trained_c_model(x):
    cnb.manual_seed(1)
    model = small_cnn_c()
    loss = cnb.cross_entropy_loss()
    optimizer = cnb.adam_new(model, cnb.AdamOptions(1e-2, 0, 0, 0, 0, 0))
    target = cnb.to_tensor(np.arange(x.shape[0]) % 10)
    xt = cnb.to_tensor(x)
    for _ in range(3):
        cnb.optimizer_zero_grad(optimizer)
        cnb.loss_backward(cnb.loss_forward(loss, cnb.model_forward(model, xt), target))
        cnb.optimizer_step(optimizer)
    cnb.optimizer_free(optimizer)
    cnb.loss_free(loss)
    return model


def test_cnb_checkpoint_loads_into_torch(tmp_path):
    x = np.random.default_rng(7).random((8, 1, 28, 28)).astype(np.float32)
    model = trained_c_model(x)
    path = str(tmp_path / "cnn.safetensors")
    assert cnb.model_save(model, path.encode()) == 0, cnb.last_error()
    _, tensors = read_safetensors(path)
    ref = SmallCNN()
    ref.load_state_dict(tensors, strict=True)
    assert int(ref.layers[4].num_batches_tracked) == 3
    ref.eval()
    cnb.model_eval(model)
    out = cnb.to_numpy(cnb.model_predict(model, cnb.to_tensor(x)))
    close(out, ref(torch.from_numpy(x)).detach().numpy(), "outputs after loading")


def test_torch_checkpoint_loads_into_cnb(tmp_path):
    torch.manual_seed(3)
    ref = SmallCNN()
    x = torch.rand(8, 1, 28, 28)
    ref(x)                        # moves the running statistics
    ref(x * 0.5)
    ref.eval()
    path = str(tmp_path / "torch.safetensors")
    write_safetensors(path, ref.state_dict())
    model = small_cnn_c()
    assert cnb.model_load(model, path.encode()) == 0, cnb.last_error()
    cnb.model_eval(model)
    out = cnb.to_numpy(cnb.model_predict(model, cnb.to_tensor(x.numpy())))
    close(out, ref(x).detach().numpy(), "outputs after loading")
    _, back = read_safetensors(path)
    saved = str(tmp_path / "again.safetensors")
    assert cnb.model_save(model, saved.encode()) == 0
    _, again = read_safetensors(saved)
    assert int(again["layers.4.num_batches_tracked"]) == 2
