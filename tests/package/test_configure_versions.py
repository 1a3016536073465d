# SPDX-License-Identifier: BSD-3-Clause
"""An older dependency stops configure with a message saying what is needed
and why, not the build later.  For every `module >= version` configure.ac
asks for, a fake module.pc one release older is put first on
PKG_CONFIG_PATH, and configure (run in a temporary folder) must fail there,
naming the module, the version, the call that needs it and the version
pkg-config found.  The minimums themselves are read from configure.ac, so a
new one is tested as soon as it is written."""
import os
import re
import subprocess
from pathlib import Path

import pytest

SRCDIR = Path(os.environ.get("CNB_SRCDIR", Path(__file__).resolve().parents[2]))
REQUIREMENT = re.compile(r"^CNB_(?:REQUIRE|RUNTIME)_PKG\(\[\w+\], \[([\w.+-]+) >= ([\d.]+)\], "
                         r"\[[^\]]+\], \[([^\]]+)\]\)", re.M)


def requirements():
    found = REQUIREMENT.findall((SRCDIR / "configure.ac").read_text())
    assert len(found) >= 6, found
    return found


def one_release_older(version):
    """2.14 -> 2.13.99, 3.0 -> 2.99, 7.32.0 -> 7.31.99."""
    parts = [int(p) for p in version.split(".")]
    last = max(i for i, p in enumerate(parts) if p > 0)
    return ".".join(str(p) for p in parts[:last] + [parts[last] - 1, 99])


def test_one_release_older():
    assert one_release_older("2.14") == "2.13.99"
    assert one_release_older("3.0") == "2.99"
    assert one_release_older("7.32.0") == "7.31.99"


def test_the_code_s_minimums_are_asked_for():
    asked = {module: version for module, version, _ in requirements()}
    assert asked.get("jansson") == "2.14", asked      # json_object_getn
    assert asked.get("libcrypto") == "3.0", asked     # EVP_MAC_fetch


@pytest.mark.parametrize("module,version,reason", requirements(), ids=lambda v: str(v))
def test_an_older_version_stops_configure(tmp_path, module, version, reason):
    older = one_release_older(version)
    fake = tmp_path / "pkgconfig"
    fake.mkdir()
    (fake / (module + ".pc")).write_text(
        "Name: %s\nDescription: older than cnb needs\nVersion: %s\nLibs:\nCflags:\n" % (module, older))
    env = dict(os.environ, PKG_CONFIG_PATH=str(fake))
    run = subprocess.run([str(SRCDIR / "configure"), "--without-cuda", "--disable-dependency-tracking"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert run.returncode != 0, "configure accepted %s %s" % (module, older)
    message = run.stderr
    assert "cnb needs %s >= %s (%s)" % (module, version, reason) in message, message
    assert older in message, message
    assert "Install the Debian package" in message, message
