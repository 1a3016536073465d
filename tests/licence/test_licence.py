# SPDX-License-Identifier: BSD-3-Clause
"""The licence: LICENSE is BSD-3-Clause, and every source file says so in its
first lines (a new file without the line fails here, naming it)."""
import os
from pathlib import Path
import pytest
from licence.licence_files import SPDX, licensed_files

TOP = Path(os.environ.get("CNB_SRCDIR", Path(__file__).resolve().parents[2]))


def test_licence_file_is_bsd_3_clause():
    text = (TOP / "LICENSE").read_text()
    assert "Redistribution and use in source and binary forms" in text
    assert "Neither the name of the copyright holder nor the names of its" in text


def test_every_source_file_has_the_spdx_line():
    if not (TOP / ".git").exists():
        pytest.skip("not a git checkout (a release tarball): the file list comes from git")
    files = list(licensed_files(TOP))
    assert len(files) > 300, "the file list looks wrong: %d files" % len(files)
    missing = [str(p.relative_to(TOP)) for p in files
               if SPDX not in "\n".join(p.read_text(errors="replace").splitlines()[:3])]
    assert not missing, "no SPDX line in: " + ", ".join(missing)
