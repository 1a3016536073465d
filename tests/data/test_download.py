# SPDX-License-Identifier: BSD-3-Clause
"""download = true against an HTTP server on 127.0.0.1 (CNB_DATA_MIRROR):
a good download, a transfer cut short, a file with the wrong checksum, a
missing file.  The installed packages are switched off (CNB_DATA_NO_PACKAGES)
so that the mirror is the only source.  Then copies from a package folder
($CNB_MNIST_DIR): checked by content MD5 like a download."""
import gzip
import hashlib
import http.server
import os
import subprocess
import threading

import pytest

BUILD = os.environ.get("CNB_BUILDDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.environ.get("CNB_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
OPEN = os.path.join(BUILD, "tests", "data", "open_dataset")
FASHION = "/usr/share/datasets/fashion-mnist"
MNIST = os.environ.get("CNB_MNIST_DIR") or os.path.join(SRC, "data", "MNIST", "raw")
TEST_FILES = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


class Mirror(http.server.BaseHTTPRequestHandler):
    """Serves Mirror.files {name: bytes}; names in Mirror.cut are sent with
    their full Content-Length but only half the bytes, then the connection
    closes."""
    files = {}
    cut = set()
    requests = []

    def do_GET(self):
        name = self.path.lstrip("/")
        Mirror.requests.append(name)
        body = Mirror.files.get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if name in Mirror.cut else body)
        self.wfile.flush()
        if name in Mirror.cut:
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirror)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Mirror.files, Mirror.cut, Mirror.requests = {}, set(), []
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


def run(kind, root, url, split="test"):
    env = dict(os.environ, CNB_DATA_MIRROR=url, CNB_DATA_NO_PACKAGES="1")
    return subprocess.run([OPEN, kind, str(root), split], env=env, capture_output=True,
                          text=True, timeout=60)


def leftovers(root, folder):
    raw = os.path.join(root, folder, "raw")
    return sorted(os.listdir(raw)) if os.path.isdir(raw) else []


def fashion_files():
    files = {}
    for name in TEST_FILES:
        with open(os.path.join(FASHION, name + ".gz"), "rb") as f:
            files[name + ".gz"] = f.read()
    return files


def test_fashion_download(mirror, tmp_path):
    """The Debian package's .gz files, served as the mirror: checked (their
    content MD5), saved and extracted in torchvision's layout."""
    Mirror.files = fashion_files()
    result = run("fashion", tmp_path, mirror)
    assert result.returncode == 0, result.stderr
    assert "items 10000 first-label 9" in result.stdout
    assert "Downloading %st10k-images-idx3-ubyte.gz" % mirror in result.stdout
    assert "/ 4.4 MB (100%)" in result.stdout           # the progress lines
    assert "/ 5.1 kB (100%)" in result.stdout
    assert leftovers(tmp_path, "FashionMNIST") == sorted(
        TEST_FILES + [n + ".gz" for n in TEST_FILES])
    # A second open reads the files: no request reaches the mirror.
    Mirror.requests = []
    assert run("fashion", tmp_path, mirror).returncode == 0
    assert Mirror.requests == []


def test_mnist_download_without_trailing_slash(mirror, tmp_path):
    """MNIST recompressed: accepted by content MD5; the mirror URL works
    without its final slash too."""
    for name in TEST_FILES:
        with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
            Mirror.files[name + ".gz"] = gzip.compress(f.read(), compresslevel=1)
    result = run("mnist", tmp_path, mirror.rstrip("/"))
    assert result.returncode == 0, result.stderr
    assert "items 10000 first-label 7" in result.stdout
    assert os.path.exists(tmp_path / "MNIST" / "raw" / "t10k-images-idx3-ubyte")


def test_truncated_transfer(mirror, tmp_path):
    Mirror.files = fashion_files()
    Mirror.cut = {"t10k-images-idx3-ubyte.gz"}
    result = run("fashion", tmp_path, mirror)
    assert result.returncode == 1
    assert "t10k-images-idx3-ubyte.gz: download failed" in result.stderr
    assert "no mirror could deliver it" in result.stderr
    assert "Segmentation" not in result.stderr
    assert leftovers(tmp_path, "FashionMNIST") == []    # no partial file kept


def test_truncated_file(mirror, tmp_path):
    """A file cut short on the server (delivered whole): checksum mismatch."""
    Mirror.files = fashion_files()
    body = Mirror.files["t10k-images-idx3-ubyte.gz"]
    Mirror.files["t10k-images-idx3-ubyte.gz"] = body[: len(body) - 1000]
    result = run("fashion", tmp_path, mirror)
    assert result.returncode == 1
    assert "not a valid gzip file" in result.stderr or "checksum mismatch" in result.stderr
    assert leftovers(tmp_path, "FashionMNIST") == []


def test_wrong_checksum(mirror, tmp_path):
    """A valid gzip of other content: refused by its checksum, not kept."""
    Mirror.files = fashion_files()
    content = bytearray(gzip.decompress(Mirror.files["t10k-images-idx3-ubyte.gz"]))
    content[1000] ^= 0xFF
    Mirror.files["t10k-images-idx3-ubyte.gz"] = gzip.compress(bytes(content), compresslevel=1)
    result = run("fashion", tmp_path, mirror)
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    assert "expected bef4ecab320f06d8554ea6380940ec79" in result.stderr
    assert leftovers(tmp_path, "FashionMNIST") == []


def test_missing_on_mirror(mirror, tmp_path):
    result = run("mnist", tmp_path, mirror, split="train")
    assert result.returncode == 1
    assert "404" in result.stderr
    assert ("train-images-idx3-ubyte: not found in data/MNIST/raw/ here or above, "
            "or cnb's installed data folder ") in result.stderr
    assert Mirror.requests == ["train-images-idx3-ubyte.gz"]


def test_torchvision_reads_what_we_copy(tmp_path):
    """.download = true from the installed packages writes torchvision's
    layout: torchvision's own MNIST and FashionMNIST (download=False) read it."""
    from torchvision import datasets
    env = dict(os.environ, CNB_MNIST_DIR=MNIST)
    env.pop("CNB_DATA_NO_PACKAGES", None)
    for kind in ("mnist", "fashion"):
        for split in ("train", "test"):
            result = subprocess.run([OPEN, kind, str(tmp_path), split], env=env,
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
    digits = datasets.MNIST(str(tmp_path), train=True, download=False)
    clothes = datasets.FashionMNIST(str(tmp_path), train=False, download=False)
    assert len(digits) == 60000 and int(digits.targets[0]) == 5
    assert len(clothes) == 10000 and int(clothes.targets[0]) == 9


def copy_from(package, root):
    """mnist(.download = true) with package as $CNB_MNIST_DIR (first in line)
    and no mirror that could answer."""
    env = dict(os.environ, CNB_MNIST_DIR=str(package), CNB_DATA_MIRROR="http://127.0.0.1:9/")
    env.pop("CNB_DATA_NO_PACKAGES", None)
    return subprocess.run([OPEN, "mnist", str(root), "test"], env=env, capture_output=True,
                          text=True, timeout=60)


def package_with(folder, images):
    folder.mkdir()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(images, compresslevel=1))
    with open(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(f.read())


def test_package_copy_checked(tmp_path):
    """A package's file with one byte changed (a valid gzip, a valid IDX
    file) is refused by its content MD5, naming the file and both MD5s, and
    nothing of it reaches raw/; the unchanged file is accepted."""
    with gzip.open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        good = f.read()
    bad = bytearray(good)
    bad[5000] ^= 0xFF
    package_with(tmp_path / "bad", bytes(bad))
    result = copy_from(tmp_path / "bad", tmp_path / "root")
    assert result.returncode == 1
    source = str(tmp_path / "bad" / "t10k-images-idx3-ubyte.gz")
    expected = "%s: checksum mismatch: content MD5 %s, expected %s" % (
        source, hashlib.md5(bytes(bad)).hexdigest(), "2646ac647ad5339dbf082846283269ea")
    assert expected in result.stderr
    assert leftovers(tmp_path / "root", "MNIST") == []

    package_with(tmp_path / "good", good)
    result = copy_from(tmp_path / "good", tmp_path / "root")
    assert result.returncode == 0, result.stderr
    assert "items 10000 first-label 7" in result.stdout
    names = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    assert leftovers(tmp_path / "root", "MNIST") == sorted(names + [n + ".gz" for n in names])


def test_package_copy_truncated(tmp_path):
    """A package's .gz cut short: refused as truncated, nothing copied."""
    package_with(tmp_path / "cut", b"")
    with open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        body = f.read()
    (tmp_path / "cut" / "t10k-images-idx3-ubyte.gz").write_bytes(body[: len(body) // 2])
    result = copy_from(tmp_path / "cut", tmp_path / "root")
    assert result.returncode == 1
    assert "t10k-images-idx3-ubyte.gz: truncated" in result.stderr
    assert leftovers(tmp_path / "root", "MNIST") == []
