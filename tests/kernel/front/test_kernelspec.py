# SPDX-License-Identifier: BSD-3-Clause
"""The kernelspec: `cnb-kernel install` for --prefix and --user, `make
install` of kernelspec/, the build-tree spec the tests use, and the
command line (--version, --help, bad arguments)."""

import json
import os
import struct
import subprocess

import pytest
from jupyter_client.kernelspec import KernelSpecManager


KERNEL = os.environ.get("CNB_KERNEL", "")
BUILDDIR = os.environ.get("CNB_BUILDDIR", "")


def needs_kernel():
    if not KERNEL or subprocess.run([KERNEL, "--version"], capture_output=True).returncode != 0:
        pytest.skip("cnb-kernel is not built (placeholder)")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def check_spec_folder(folder, kernel_path):
    with open(os.path.join(folder, "kernel.json")) as f:
        spec = json.load(f)
    assert spec["argv"] == [kernel_path, "-f", "{connection_file}"]
    assert spec["display_name"] == "C (cnb)"
    assert spec["language"] == "c"
    assert spec["interrupt_mode"] in ("signal", "message")
    assert isinstance(spec["metadata"], dict)
    # JupyterLab shows its debugger for kernels that say so (kernel/debugger).
    assert spec["metadata"]["debugger"] is True
    assert png_size(os.path.join(folder, "logo-32x32.png")) == (32, 32)
    assert png_size(os.path.join(folder, "logo-64x64.png")) == (64, 64)
    with open(os.path.join(folder, "logo-svg.svg")) as f:
        assert "<svg" in f.read()
    return spec


def test_version_and_help():
    needs_kernel()
    version = subprocess.run([KERNEL, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and "cnb-kernel" in version.stdout
    usage = subprocess.run([KERNEL, "--help"], capture_output=True, text=True)
    assert usage.returncode == 0 and "-f CONNECTION_FILE" in usage.stdout


def test_bad_arguments_exit_2():
    needs_kernel()
    assert subprocess.run([KERNEL], capture_output=True).returncode == 2
    assert subprocess.run([KERNEL, "install", "--bogus"], capture_output=True).returncode == 2


def test_missing_connection_file_is_an_error(tmp_path):
    needs_kernel()
    run = subprocess.run([KERNEL, "-f", str(tmp_path / "nope.json")], capture_output=True, text=True)
    assert run.returncode == 1 and "nope.json" in run.stderr


def test_install_prefix(tmp_path):
    needs_kernel()
    run = subprocess.run([KERNEL, "install", "--prefix", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    folder = tmp_path / "share" / "jupyter" / "kernels" / "cnb"
    check_spec_folder(folder, os.path.realpath(KERNEL))


def test_install_user(tmp_path):
    needs_kernel()
    env = dict(os.environ, JUPYTER_DATA_DIR=str(tmp_path / "data"))
    run = subprocess.run([KERNEL, "install", "--user"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    check_spec_folder(tmp_path / "data" / "kernels" / "cnb", os.path.realpath(KERNEL))


def test_jupyter_kernelspec_list_shows_it(tmp_path):
    needs_kernel()
    subprocess.run([KERNEL, "install", "--prefix", str(tmp_path)], check=True, capture_output=True)
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "share" / "jupyter"))
    run = subprocess.run([os.environ.get("PYTHON3", "python3"), "-m", "jupyter_client.kernelspecapp",
                          "list", "--json"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    specs = json.loads(run.stdout)["kernelspecs"]
    assert specs["cnb"]["resource_dir"] == str(tmp_path / "share" / "jupyter" / "kernels" / "cnb")
    assert specs["cnb"]["spec"]["language"] == "c"
    assert specs["cnb"]["spec"]["display_name"] == "C (cnb)"


def test_make_install_puts_the_kernelspec_under_datadir(tmp_path):
    if not BUILDDIR:
        pytest.skip("CNB_BUILDDIR not set")
    run = subprocess.run(["make", "-s", "-C", os.path.join(BUILDDIR, "kernelspec"), "install",
                          f"DESTDIR={tmp_path}"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    folders = [root for root, _, files in os.walk(tmp_path) if "kernel.json" in files]
    assert len(folders) == 1 and folders[0].endswith("/share/jupyter/kernels/cnb")
    spec = json.load(open(os.path.join(folders[0], "kernel.json")))
    assert spec["argv"][0].endswith("/bin/cnb-kernel") and spec["argv"][1:] == ["-f", "{connection_file}"]
    check_spec_folder(folders[0], spec["argv"][0])
    with open(os.path.join(folders[0], "runtime-api.html")) as f:
        page = f.read()
    assert "cnb runtime API" in page and "model_forward" in page and "cnb/error.h" in page, \
        "the Help menu's runtime page is installed with the kernelspec"


def test_build_tree_spec_points_at_the_build():
    jupyter_path = os.environ.get("JUPYTER_PATH", "")
    specs = KernelSpecManager().find_kernel_specs()
    if "cnb" not in specs or not jupyter_path:
        pytest.skip("not run under make check")
    spec = json.load(open(os.path.join(specs["cnb"], "kernel.json")))
    assert os.path.realpath(spec["argv"][0]) == os.path.realpath(KERNEL)
    assert os.path.isdir(spec["env"]["CNB_INCLUDE_DIR"])
    assert os.path.exists(os.path.join(spec["env"]["CNB_INCLUDE_DIR"], "cnb.h"))
    assert spec["env"]["CNB_LIB_DIR"].endswith("runtime/.libs")


def test_install_sys_prefix_uses_the_active_environment(tmp_path):
    needs_kernel()
    env = dict(os.environ, VIRTUAL_ENV=str(tmp_path / "venv"))
    env.pop("CONDA_PREFIX", None)
    run = subprocess.run([KERNEL, "install", "--sys-prefix"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    check_spec_folder(tmp_path / "venv" / "share" / "jupyter" / "kernels" / "cnb", os.path.realpath(KERNEL))


def build_variable(name):
    """A variable of the build's top Makefile (what configure substituted)."""
    if not BUILDDIR:
        pytest.skip("CNB_BUILDDIR not set")
    run = subprocess.run(["make", "-s", "-C", BUILDDIR, "--no-print-directory", "-f", "Makefile",
                          "-f", "-", "print-var", f"VAR={name}"],
                         input="print-var:\n\t@echo '$($(VAR))'\n", capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_version_is_configures():
    needs_kernel()
    version = subprocess.run([KERNEL, "--version"], capture_output=True, text=True).stdout
    assert version.split()[1] == build_variable("PACKAGE_VERSION")


def test_default_install_goes_to_configures_datadir():
    """No hard-coded /usr/local: the default folder is $(datadir)/jupyter."""
    needs_kernel()
    datadir = build_variable("datadir").replace("${prefix}", build_variable("prefix"))
    usage = subprocess.run([KERNEL, "install", "--help"], capture_output=True, text=True)
    assert usage.returncode == 0
    assert f"{datadir}/jupyter/kernels/cnb" in usage.stdout


def test_man_page_has_this_version_and_paths():
    page = os.path.join(BUILDDIR, "kernel", "cnb-kernel.1") if BUILDDIR else ""
    if not page or not os.path.exists(page):
        pytest.skip("the man page is not built")
    text = open(page).read()
    assert build_variable("PACKAGE_VERSION") in text and "@" not in text.replace("\\(at", "")
    for option in ("\\-\\-user", "\\-\\-sys\\-prefix", "\\-\\-prefix", "\\-\\-version"):
        assert option in text
