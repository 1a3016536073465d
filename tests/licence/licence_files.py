# SPDX-License-Identifier: BSD-3-Clause
"""Which tracked files are source files that carry the licence line, and how
each kind of file spells it as a comment."""
import subprocess
from pathlib import Path

SPDX = "SPDX-License-Identifier: BSD-3-Clause"

# Source files by suffix, and the comment each kind writes the line in.
COMMENTS = {
    ".c": "// " + SPDX, ".h": "// " + SPDX, ".cu": "// " + SPDX, ".cuh": "// " + SPDX,
    ".py": "# " + SPDX, ".sh": "# " + SPDX, ".am": "# " + SPDX, ".ac": "# " + SPDX,
    ".in": "# " + SPDX,
}
# Source files without a suffix: scripts, named by their folder.
SCRIPT_FOLDERS = ("scripts", ".ci")
# Files a licence line cannot go into (data, or formats without comments), or
# whose text is another project's (the fuzz corpus is bytes, not source).
NOT_SOURCE = ("data/", "tests/fuzz/corpus/", "tests/fuzz/regressions/")
# Inputs whose first line is read by a program that takes no comment.
NO_COMMENT = {"kernelspec/kernel.json.in"}


def comment_for(path):
    if path.suffix in COMMENTS:
        return COMMENTS[path.suffix]
    return "# " + SPDX


def tracked(top):
    out = subprocess.run(["git", "-C", str(top), "ls-files"], capture_output=True,
                         text=True, check=True).stdout
    return [Path(top) / name for name in out.splitlines()]


def licensed_files(top):
    for path in tracked(top):
        name = path.relative_to(top).as_posix()
        if name.startswith(NOT_SOURCE) or name in NO_COMMENT or not path.is_file():
            continue
        if path.suffix in COMMENTS or (path.parent.name in SCRIPT_FOLDERS and not path.suffix):
            yield path
