# SPDX-License-Identifier: BSD-3-Clause
"""What `make install` puts in place, installed with DESTDIR into a
temporary folder from the build tree (nothing outside it is touched)."""
import os
import subprocess
from pathlib import Path

BUILD = Path(os.environ.get("CNB_BUILDDIR", Path(__file__).resolve().parents[2] / "_build"))


def make(destdir, *targets, folder="runtime"):
    """Runs make TARGETS in the build tree's FOLDER with DESTDIR=destdir."""
    subprocess.run(["make", "-s", "-C", str(BUILD / folder), "DESTDIR=" + str(destdir), *targets],
                   check=True, capture_output=True, text=True)


def installed_headers(destdir):
    """The public headers as installed: cnb.h and cnb/*.h under DESTDIR."""
    make(destdir, "install-includeHEADERS", "install-cnbincludeHEADERS")
    found = sorted(Path(destdir).rglob("*.h"))
    top = [p for p in found if p.name == "cnb.h" and p.parent.name != "cnb"]
    assert len(top) == 1, "no single installed cnb.h among %s" % found
    return top[0].parent, found
