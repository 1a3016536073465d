# SPDX-License-Identifier: BSD-3-Clause
"""libcnb.so exports exactly the functions and objects its installed headers
declare, nothing else, each under the symbol version CNB_0.2: an internal
helper (gemm, blues, compute_enter...) is neither part of the ABI nor a name
that collides with a program's own.  The names are read here independently
of the build's version script (runtime/abi/list_exports.c, libclang): the
functions as gcc sees them (-aux-info), the objects from the headers'
extern declarations."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from package.installed import BUILD, installed_headers

LIBCNB = Path(os.environ.get("CNB_LIB_DIR", BUILD / "runtime" / ".libs")) / "libcnb.so"
VERSION_NODE = "CNB_0.2"


def exported():
    """{name: version} of the symbols libcnb.so defines for others."""
    out = subprocess.run(["nm", "-D", "--defined-only", "--with-symbol-versions", str(LIBCNB)],
                         capture_output=True, text=True, check=True).stdout
    names = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) != 3 or fields[1] == "A":   # "A": the version node itself
            continue
        name, _, version = fields[2].partition("@")
        names[name] = version.lstrip("@")
    return names


def declared_functions(include_dir, headers, tmp_path):
    """Functions with external linkage declared in the installed headers."""
    source = tmp_path / "all_headers.c"
    source.write_text("".join('#include "%s"\n' % h for h in headers))
    aux = tmp_path / "aux.txt"
    subprocess.run(["gcc", "-std=gnu17", "-D_GNU_SOURCE", "-fsyntax-only", "-I", str(include_dir),
                    "-aux-info", str(aux), str(source)], check=True)
    names = set()
    for line in aux.read_text().splitlines():
        where = re.match(r"/\* (.*?):\d+:[A-Z]+ \*/ (.*)", line)
        if not where or Path(where.group(1)).resolve() not in headers:
            continue
        declaration = where.group(2)
        if re.match(r"(static|inline)\b", declaration):
            continue
        names.add(re.search(r"(\w+) \(", declaration).group(1))
    return names


def declared_objects(include_dir, headers):
    """Objects the installed headers declare `extern` (not functions), read
    from the preprocessed headers (macros and comments gone), the lines that
    come from one of them (the line markers say which file a line is from)."""
    text = subprocess.run(["gcc", "-std=gnu17", "-D_GNU_SOURCE", "-E", "-I", str(include_dir),
                           "-x", "c", "-"], input="".join('#include "%s"\n' % h for h in headers),
                          capture_output=True, text=True, check=True).stdout
    ours, current = [], False
    for line in text.splitlines():
        marker = re.match(r'# \d+ "(.*?)"', line)
        if marker:
            current = Path(marker.group(1)).resolve() in headers if marker.group(1)[0] != "<" else False
        elif current:
            ours.append(line)
    names = set()
    for statement in re.findall(r"\bextern\b([^;{}]*);", "\n".join(ours)):
        if "(" not in statement:
            names.add(re.search(r"(\w+)\s*(\[[^\]]*\]\s*)*$", statement.strip()).group(1))
    return names


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("abi")
    include_dir, found = installed_headers(tmp_path / "root")
    headers = {p.resolve() for p in found}
    functions = declared_functions(include_dir, headers, tmp_path)
    objects = declared_objects(include_dir, headers)
    assert len(functions) > 100 and "tensor_new" in functions, sorted(functions)
    assert "MNIST_CLASSES" in objects, sorted(objects)
    return functions | objects


def test_exports_are_the_installed_headers_names(public):
    names = exported()
    internal = sorted(set(names) - public)
    missing = sorted(public - set(names))
    assert not internal, "libcnb.so exports %d names no installed header declares: %s" % (
        len(internal), ", ".join(internal))
    assert not missing, "declared in the installed headers but not exported: " + ", ".join(missing)


def test_every_export_has_the_symbol_version():
    names = exported()
    other = sorted("%s@%s" % (n, v) for n, v in names.items() if v != VERSION_NODE)
    assert not other, "not under %s: %s" % (VERSION_NODE, ", ".join(other))


def test_soname_and_a_programs_version_need(tmp_path):
    """The soname carries -version-info's major (libcnb.so.0), and a program
    linked against libcnb records that it needs CNB_0.2: a later libcnb
    without that node refuses to load it instead of failing at a call."""
    dynamic = subprocess.run(["readelf", "-d", str(LIBCNB)], capture_output=True, text=True,
                             check=True).stdout
    assert "Library soname: [libcnb.so.0]" in dynamic
    source = tmp_path / "uses_cnb.c"
    source.write_text('#include <cnb.h>\nint main(void) { manual_seed(1); return 0; }\n')
    program = tmp_path / "uses_cnb"
    subprocess.run(["gcc", "-I", os.environ.get("CNB_INCLUDE_DIR", str(BUILD.parent / "runtime" / "include")),
                    str(source), "-L", str(LIBCNB.parent), "-lcnb", "-o", str(program)], check=True)
    needs = subprocess.run(["readelf", "-V", str(program)], capture_output=True, text=True,
                           check=True).stdout
    needed = needs[needs.find(".gnu.version_r"):]
    assert "File: libcnb.so.0" in needed and "Name: " + VERSION_NODE in needed, needed
