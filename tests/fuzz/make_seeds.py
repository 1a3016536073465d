# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/NAME):
small valid inputs of each kind and a few near misses, so that fuzzing
starts from the formats' real shapes.  Run from the repository root:
    python3 tests/fuzz/make_seeds.py
The safetensors seeds are built like model_save's output for the model
fuzz_safetensors.c loads into (linear(4, 3), relu, linear(3, 2))."""

import gzip
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def wire(mode, msg_type, content, ids=(), buffers=(), key=b"c0ffee-fuzz-key", signature=None):
    header = json.dumps({"msg_id": "1", "msg_type": msg_type, "session": "s", "username": "u",
                         "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()
    parts = [header, b"{}", b"{}", json.dumps(content).encode()]
    if signature is None:
        digest = hmac.new(key, digestmod=hashlib.sha256)
        for part in parts:
            digest.update(part)
        signature = digest.hexdigest().encode() if mode & 1 else b""
    frames = list(ids) + [b"<IDS|MSG>", signature] + parts + list(buffers)
    return bytes([mode]) + b"|#|".join(frames)


def message_seeds():
    write("message", "unsigned-kernel-info", wire(0, "kernel_info_request", {}))
    write("message", "signed-execute", wire(1, "execute_request", {"code": "int x = 1;", "silent": False}))
    write("message", "harness-signed-execute", wire(3, "execute_request", {"code": "x", "cursor_pos": 1}))
    write("message", "identities-and-buffers", wire(3, "comm_msg", {"data": {}}, ids=[b"a", b"bb"],
                                                    buffers=[b"\x00\x01", b""]))
    write("message", "bad-signature", wire(1, "kernel_info_request", {}, signature=b"0" * 64))
    write("message", "no-delimiter", b"\x00a|#|b|#|c")


def requests_seeds():
    cases = {
        "kernel_info": (0, {}),
        "execute": (1, {"code": "print hello\nresult 42", "silent": False, "store_history": True,
                        "allow_stdin": False, "stop_on_error": True, "user_expressions": {}}),
        "execute-fail": (1, {"code": "eprint oops\ndisplay\nclear\nfail"}),
        "execute-input": (1, {"code": "input name?", "allow_stdin": True}),
        "complete": (2, {"code": "printf", "cursor_pos": 3}),
        "inspect": (3, {"code": "model", "cursor_pos": 2, "detail_level": 1}),
        "is_complete": (4, {"code": "int f() {"}),
        "history-tail": (5, {"hist_access_type": "tail", "n": 10, "output": True, "raw": True}),
        "history-range": (5, {"hist_access_type": "range", "session": -1, "start": 1, "stop": 3}),
        "history-search": (5, {"hist_access_type": "search", "pattern": "int*", "unique": True, "n": 2}),
        "comm_info": (6, {"target_name": "x"}),
        "comm_open": (7, {"comm_id": "c", "target_name": "t", "data": {}}),
        "comm_msg": (8, {"comm_id": "c", "data": {"x": 1}}),
        "comm_close": (9, {"comm_id": "c"}),
        "interrupt-on-control": (10 | 0x80, {}),
        "connect": (11, {}),
        "unknown": (12, {}),
    }
    for name, (selector, content) in cases.items():
        write("requests", name, bytes([selector]) + json.dumps(content).encode())


CELLS = {
    "declarations": "#include <math.h>\n#define N 3\ntypedef struct Point { int x, y; } Point;\n"
                    "static int counter = 0;\nint square(int v) { return v * v; }\n",
    "statements": "for (int i = 0; i < N; i++) {\n    counter += square(i);\n}\nif (counter) puts(\"x\"); else puts(\"y\");\n",
    "expression": "Point p = {1, 2};\np.x * p.y",
    "initializer": "Model *model = sequential(linear(4, 3), relu());\ndouble values[] = {1, 2, 3};\n",
    "strings-comments": "/* { */ char *s = \"}\\\"{\"; // }\nchar c = '{';\n",
    "magics": "%cflags -O0 -DDEBUG \"-DNAME=a b\"\n%ldflags -L/tmp -lm\n%lib m\nint x = 1;\n",
    "timeit": "%%timeit\nint s = 0; for (int i = 0; i < 10; i++) s += i;\n",
    "timeit-line": "%timeit square(3)\n%who\n",
    "reset": "%reset\n",
    "bad-magic": "%nosuch thing\n",
    "do-while": "do { counter--; } while (counter > 0);\nenum Color { RED, GREEN };\n",
    "continued-directive": "#define LONG(a, b) \\\n    ((a) + \\\n     (b))\nLONG(1, 2)",
    "incomplete": "int f(void) {\n    return (1 +\n",
}


def cells_seeds():
    for name, code in CELLS.items():
        write("cells", name, code)


def idx(ndim_selector, magic_ndim, dims, body):
    header = bytes([0, 0, 8, magic_ndim]) + b"".join(struct.pack(">I", d) for d in dims)
    return bytes([ndim_selector]) + header + body


def idx_seeds():
    images = idx(2, 3, [2, 3, 3], bytes(range(18)))
    labels = idx(0, 1, [4], bytes([1, 2, 3, 4]))
    write("idx", "images-raw", images)
    write("idx", "labels-raw", labels)
    write("idx", "images-gz", images[:1] + gzip.compress(images[1:], mtime=0))
    write("idx", "labels-gz", labels[:1] + gzip.compress(labels[1:], mtime=0))
    write("idx", "images-truncated", images[:-5])
    write("idx", "gz-truncated", images[:1] + gzip.compress(images[1:], mtime=0)[:-6])
    write("idx", "wrong-type", idx(0, 1, [2], b"ab").replace(b"\x00\x00\x08", b"\x00\x00\x0d", 1))


def safetensors(entries, data, metadata=True):
    header = {"__metadata__": {"format": "pt", "model": "Model"}} if metadata else {}
    header.update(entries)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    shapes = [("layers.0.weight", [3, 4]), ("layers.0.bias", [3]), ("layers.2.weight", [2, 3]),
              ("layers.2.bias", [2])]
    entries, offset = {}, 0
    for name, shape in shapes:
        size = 4 * (shape[0] * (shape[1] if len(shape) > 1 else 1))
        entries[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    data = b"".join(struct.pack("<f", 0.01 * i) for i in range(offset // 4))
    write("safetensors", "model", safetensors(entries, data))
    write("safetensors", "no-metadata", safetensors(entries, data, metadata=False))
    write("safetensors", "truncated", safetensors(entries, data)[:-10])
    wrong = dict(entries)
    wrong["layers.0.bias"] = {"dtype": "F16", "shape": [3], "data_offsets": [48, 54]}
    write("safetensors", "wrong-dtype", safetensors(wrong, data))
    extra = dict(entries)
    extra["layers.9.weight"] = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
    write("safetensors", "extra-tensor", safetensors(extra, data))


if __name__ == "__main__":
    message_seeds()
    requests_seeds()
    cells_seeds()
    idx_seeds()
    safetensors_seeds()
