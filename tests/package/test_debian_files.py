# SPDX-License-Identifier: BSD-3-Clause
"""The Debian packaging (debian/), checked without building a package:
debian/control parses and names the four packages, every file `make install`
puts in place belongs to exactly one package's .install list, debian/copyright
(DEP-5) parses and each of its file patterns matches files of the source,
the version is configure.ac's, and libcnb0's symbols file lists exactly the
names the version script exports.  The package build itself, with lintian and
an installation, is scripts/package-check, not a test: on the project's
2-core machine it took 206 s with the C tests it runs (69 s without) when
the machine was quiet, and 621-638 s without them under other builds' load."""
import fnmatch
import os
import re
import subprocess
from pathlib import Path

import pytest
from debian import changelog, copyright as dep5, deb822

from package.installed import BUILD, make

SRC = Path(os.environ.get("CNB_SRCDIR", Path(__file__).resolve().parents[2]))
DEBIAN = SRC / "debian"
PACKAGES = {"libcnb0", "libcnb-dev", "cnb-kernel", "cnb-lessons"}


def control():
    with open(DEBIAN / "control", encoding="utf-8") as f:
        return list(deb822.Deb822.iter_paragraphs(f))


def test_control_parses_into_the_source_and_four_packages():
    source, *binaries = control()
    assert source["Source"] == "cnb"
    assert "debhelper-compat (= 13)" in source["Build-Depends"]
    assert {p["Package"] for p in binaries} == PACKAGES
    arch = {p["Package"]: p["Architecture"] for p in binaries}
    assert arch["cnb-lessons"] == "all" and arch["libcnb0"] == "any", arch


def package_names(field):
    """Package names of a relationship field, without versions, alternatives
    after the first, or build profiles."""
    names = []
    for relation in deb822.PkgRelation.parse_relations(field.strip().rstrip(",")):
        names.append(relation[0]["name"])
    return names


def test_build_depends_are_installed_by_the_set_up():
    """scripts/setup-debian installs every Build-Depends, so a machine set up
    for the tests can build the packages."""
    setup = (SRC / "scripts" / "setup-debian").read_text()
    listed = set()
    for group in re.findall(r'^[A-Z_]+_PACKAGES="([^"]*)"', setup, re.M):
        listed.update(group.split())
    # debhelper-compat is the compatibility level debhelper provides.
    wanted = [{"debhelper-compat": "debhelper"}.get(n, n)
              for n in package_names(control()[0]["Build-Depends"])]
    assert not set(wanted) - listed, "Build-Depends that setup-debian does not install: %s" % (
        sorted(set(wanted) - listed))
    assert {"debhelper", "lintian", "dpkg-dev"} <= listed


def configure_value(name):
    """A make variable of the configured build tree's top Makefile."""
    text = (BUILD / "Makefile").read_text()
    return re.search(r"^%s = (.*)$" % name, text, re.M).group(1).strip()


def install_patterns():
    """{package: [pattern, ...]} from debian/*.install, ${DEB_HOST_MULTIARCH}
    left in place."""
    patterns = {}
    for package in PACKAGES:
        lines = (DEBIAN / (package + ".install")).read_text().splitlines()
        patterns[package] = [l.split()[0] for l in lines if l.strip() and not l.startswith("#")]
    return patterns


def as_debian_path(relative, libdir_relative):
    """A path under the build's prefix as Debian's build installs it
    (prefix /usr, libdir /usr/lib/<multiarch>)."""
    if relative.startswith(libdir_relative + "/"):
        return "usr/lib/${DEB_HOST_MULTIARCH}/" + relative[len(libdir_relative) + 1:]
    return "usr/" + relative


def matches(path, pattern):
    if pattern.endswith("/"):
        return path.startswith(pattern)
    return fnmatch.fnmatchcase(path, pattern)


def test_every_installed_file_is_in_exactly_one_package(tmp_path):
    """What `make install` installs (libtool's .la aside, which debian/rules
    deletes) is each in one package: a new installed file that no .install
    lists would fail the package build (dh_missing), one listed twice would
    make two packages conflict."""
    root = tmp_path / "root"
    make(root, "install", folder=".")
    prefix = configure_value("prefix")
    libdir = configure_value("libdir").replace("${exec_prefix}", configure_value("exec_prefix"))
    libdir = libdir.replace("${prefix}", prefix)
    base = root / prefix.lstrip("/")
    libdir_relative = os.path.relpath(libdir, prefix)
    installed = [as_debian_path(p.relative_to(base).as_posix(), libdir_relative)
                 for p in base.rglob("*") if not p.is_dir() and p.suffix != ".la"]
    # debian/rules configures --without-cuda: a build tree with the CUDA
    # backend installs its plugin, which no package carries.
    assert "--without-cuda" in (DEBIAN / "rules").read_text()
    installed = [p for p in installed if "/cnb/libcnb-cuda" not in p]
    assert len(installed) > 20, installed
    patterns = install_patterns()
    for path in installed:
        owners = [pkg for pkg, pats in patterns.items() if any(matches(path, p) for p in pats)]
        assert len(owners) == 1, "%s is in %s" % (path, owners or "no package's .install")
    for package, pats in patterns.items():
        for pattern in pats:
            assert any(matches(path, pattern) for path in installed), \
                "%s.install: %s matches no installed file" % (package, pattern)


def test_the_kernelspec_is_where_jupyter_looks():
    assert "usr/share/jupyter/kernels/cnb/" in install_patterns()["cnb-kernel"]


def source_files():
    """The source package's files: the tracked ones, and what autoreconf
    adds to the release tarball (build-aux/, m4/, configure, Makefile.in)."""
    if not (SRC / ".git").exists():
        pytest.skip("not a git checkout (a release tarball, an exported tree): the file list comes from git")
    out = subprocess.run(["git", "-C", str(SRC), "ls-files", "--cached", "--others",
                          "--exclude-standard"], capture_output=True, text=True, check=True).stdout
    files = set(out.splitlines())
    for generated in ("build-aux/*", "m4/*", "configure", "aclocal.m4", "**/Makefile.in"):
        files.update(p.relative_to(SRC).as_posix() for p in SRC.glob(generated)
                     if p.is_file() and not p.relative_to(SRC).as_posix().startswith("_build"))
    return files


@pytest.fixture(scope="module")
def copyright_file():
    with open(DEBIAN / "copyright", encoding="utf-8") as f:
        return dep5.Copyright(f, strict=True)


def test_copyright_is_dep5_with_a_text_for_every_licence(copyright_file):
    used = {p.license.synopsis for p in copyright_file.all_files_paragraphs()}
    texts = {p.license.synopsis for p in copyright_file.all_license_paragraphs()}
    assert used <= texts, "licences without their text: %s" % sorted(used - texts)
    assert "BSD-3-Clause" in used and "CC-BY-SA-3.0" in used


def test_every_copyright_pattern_matches_source_files(copyright_file):
    files = source_files()
    for paragraph in copyright_file.all_files_paragraphs():
        for pattern in paragraph.files:
            regex = dep5.globs_to_re([pattern])
            assert any(regex.match(f) for f in files), \
                "debian/copyright: Files: %s matches no file of the source" % pattern


def test_every_file_has_the_licence_the_project_says(copyright_file):
    """The last matching paragraph decides (DEP-5): cnb's own files are
    BSD-3-Clause like LICENSE, the MNIST files keep their own licence."""
    for name in source_files():
        licence = copyright_file.find_files_paragraph(name).license.synopsis
        if name.startswith("data/MNIST/raw/"):
            assert licence == "CC-BY-SA-3.0", name
        elif not name.startswith(("build-aux/", "m4/", "aclocal.m4", "configure")) \
                and not name.endswith("Makefile.in"):
            assert licence == "BSD-3-Clause", "%s: %s" % (name, licence)


def test_the_bsd_text_is_licenses(copyright_file):
    standalone = [p.license.text for p in copyright_file.all_license_paragraphs()
                  if p.license.synopsis == "BSD-3-Clause"]
    words = lambda t: re.sub(r"\s+", " ", t).strip()
    licence = (SRC / "LICENSE").read_text()
    assert len(standalone) == 1
    assert words(licence[licence.index("Redistribution"):]) in words(standalone[0]), \
        "debian/copyright's BSD-3-Clause is not LICENSE's"
    holder = re.search(r"Copyright \(c\) (\d+), (.*)", licence)
    assert copyright_file.find_files_paragraph("README.md").copyright == \
        "%s, %s" % holder.groups()


def test_version_is_configure_acs():
    configure_ac = (SRC / "configure.ac").read_text()
    upstream = re.search(r"AC_INIT\(\[cnb\], \[([^\]]+)\]", configure_ac).group(1)
    with open(DEBIAN / "changelog", encoding="utf-8") as f:
        entry = changelog.Changelog(f)
    assert entry.upstream_version == upstream, (str(entry.version), upstream)
    assert entry.package == "cnb"


def runtime_makefile_value(name):
    text = (SRC / "runtime" / "Makefile.am").read_text()
    return re.search(r"^%s = (\S+)" % name, text, re.M).group(1)


def test_symbols_file_lists_the_version_scripts_names():
    """debian/libcnb0.symbols: the soname from -version-info, the version
    node and the exported names of runtime/libcnb.map, no more, no less (a
    name added to a header is added here too, with the version it came in)."""
    script = (BUILD / "runtime" / "libcnb.map").read_text()
    node = runtime_makefile_value("CNB_SYMBOL_VERSION")
    global_part = re.search(r"%s \{\s*global:(.*?)local:" % re.escape(node), script, re.S).group(1)
    exported = set(re.findall(r"(\w+);", global_part))
    current, _, age = runtime_makefile_value("CNB_LIBTOOL_VERSION").split(":")
    soname = "libcnb.so.%d" % (int(current) - int(age))

    lines = (DEBIAN / "libcnb0.symbols").read_text().splitlines()
    headers = [l for l in lines if l and not l.startswith(("#", " ", "*"))]
    assert headers == ["%s libcnb0 #MINVER#" % soname], headers
    symbols = {}
    for line in lines:
        if line.startswith(" "):
            name, version = line.split()
            symbol, _, symver = name.partition("@")
            symbols[symbol] = (symver, version)
    assert symbols.pop(node, None) == (node, "0.2.0"), "the version node %s is not listed" % node
    assert {v[0] for v in symbols.values()} == {node}
    assert not exported - set(symbols), "exported, not in libcnb0.symbols: %s" % sorted(
        exported - set(symbols))
    assert not set(symbols) - exported, "in libcnb0.symbols, no longer exported: %s" % sorted(
        set(symbols) - exported)
