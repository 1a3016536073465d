"""libcnb's nn API through ctypes, for parity tests against PyTorch: build a
cnb model, copy tensors in and out as numpy arrays."""
import ctypes as C
import os

import numpy as np

_lib = C.CDLL(os.path.join(os.environ["CNB_LIB_DIR"], "libcnb.so"))
P = C.c_void_p


class Conv2dOptions(C.Structure):
    _fields_ = [("stride", C.c_int), ("padding", C.c_int), ("bias", C.c_bool),
                ("_unused", C.c_int)]


class Pool2dOptions(C.Structure):
    _fields_ = [("stride", C.c_int), ("padding", C.c_int), ("_unused", C.c_int)]


class BatchNormOptions(C.Structure):
    _fields_ = [("eps", C.c_double), ("momentum", C.c_double), ("_unused", C.c_int)]


class AdamOptions(C.Structure):
    _fields_ = [("lr", C.c_double), ("beta1", C.c_double), ("beta2", C.c_double),
                ("eps", C.c_double), ("weight_decay", C.c_double), ("_unused", C.c_int)]


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


manual_seed = _fn("manual_seed", None, C.c_uint64)
tensor_new = _fn("tensor_new", P, C.POINTER(C.c_int), C.c_int)
tensor_free = _fn("tensor_free", None, P)
tensor_data = _fn("tensor_data", C.POINTER(C.c_float), P)
tensor_numel = _fn("tensor_numel", C.c_size_t, P)
tensor_ndim = _fn("tensor_ndim", C.c_int, P)
tensor_dim = _fn("tensor_dim", C.c_int, P, C.c_int)
last_error = _fn("cnb_last_error", C.c_char_p)
conv2d_new = _fn("conv2d_new", P, C.c_int, C.c_int, C.c_int, Conv2dOptions)
max_pool2d_new = _fn("max_pool2d_new", P, C.c_int, Pool2dOptions)
avg_pool2d_new = _fn("avg_pool2d_new", P, C.c_int, Pool2dOptions)
batch_norm2d_new = _fn("batch_norm2d_new", P, C.c_int, BatchNormOptions)
batch_norm1d_new = _fn("batch_norm1d_new", P, C.c_int, BatchNormOptions)
dropout2d = _fn("dropout2d", P, C.c_float)
linear = _fn("linear", P, C.c_int, C.c_int)
flatten = _fn("flatten", P)
relu = _fn("relu", P)
sequential_array = _fn("sequential_array", P, C.POINTER(P), C.c_size_t)
model_free = _fn("model_free", None, P)
model_train = _fn("model_train", None, P)
model_eval = _fn("model_eval", None, P)
model_forward = _fn("model_forward", P, P, P)
model_predict = _fn("model_predict", P, P, P)
model_parameter_tensors = _fn("model_parameter_tensors", C.c_int, P)
model_parameter = _fn("model_parameter", P, P, C.c_int, C.POINTER(C.c_char_p))
model_gradient = _fn("model_gradient", P, P, C.c_int)
model_save = _fn("model_save", C.c_int, P, C.c_char_p)
model_load = _fn("model_load", C.c_int, P, C.c_char_p)
cross_entropy_loss = _fn("cross_entropy_loss", P)
loss_forward = _fn("loss_forward", P, P, P, P)
loss_backward = _fn("loss_backward", None, P)
loss_free = _fn("loss_free", None, P)
adam_new = _fn("adam_new", P, P, AdamOptions)
optimizer_step = _fn("optimizer_step", None, P)
optimizer_zero_grad = _fn("optimizer_zero_grad", None, P)
optimizer_free = _fn("optimizer_free", None, P)


def conv2d(cin, cout, k, stride=1, padding=0, bias=True):
    return conv2d_new(cin, cout, k, Conv2dOptions(stride, padding, bias, 0))


def max_pool2d(k, stride=0, padding=0):
    return max_pool2d_new(k, Pool2dOptions(stride, padding, 0))


def avg_pool2d(k, stride=0, padding=0):
    return avg_pool2d_new(k, Pool2dOptions(stride, padding, 0))


def batch_norm2d(n, eps=0.0, momentum=0.0):
    return batch_norm2d_new(n, BatchNormOptions(eps, momentum, 0))


def batch_norm1d(n, eps=0.0, momentum=0.0):
    return batch_norm1d_new(n, BatchNormOptions(eps, momentum, 0))


def sequential(*layers):
    array = (P * len(layers))(*layers)
    model = sequential_array(array, len(layers))
    assert model, last_error()
    return model


def to_tensor(a):
    a = np.ascontiguousarray(a, dtype=np.float32)
    shape = (C.c_int * a.ndim)(*a.shape)
    t = tensor_new(shape, a.ndim)
    C.memmove(tensor_data(t), a.ctypes.data, a.nbytes)
    return t


def to_numpy(t):
    shape = [tensor_dim(t, d) for d in range(tensor_ndim(t))]
    n = tensor_numel(t)
    return np.ctypeslib.as_array(tensor_data(t), shape=(n,)).copy().reshape(shape)


def parameters(model):
    """{name: (value, gradient)} in state_dict order."""
    out = {}
    for i in range(model_parameter_tensors(model)):
        name = C.c_char_p()
        value = to_numpy(model_parameter(model, i, C.byref(name)))
        out[name.value.decode()] = (value, to_numpy(model_gradient(model, i)))
    return out


def set_parameter(model, i, array):
    t = model_parameter(model, i, None)
    a = np.ascontiguousarray(array, dtype=np.float32)
    C.memmove(tensor_data(t), a.ctypes.data, a.nbytes)
