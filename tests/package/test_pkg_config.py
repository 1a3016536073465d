# SPDX-License-Identifier: BSD-3-Clause
"""cnb.pc as installed (make install with DESTDIR into a temporary folder)
is all a C program needs: `pkg-config --cflags --libs cnb` builds one
against libcnb.so, and `pkg-config --static` one against libcnb as an
archive, whose references to Cairo, zlib, libcurl, Jansson, OpenBLAS and
libcrypto only cnb.pc's Requires.private and Libs.private resolve (the whole
archive is linked, so a dependency missing there is an undefined reference).

Static dependencies: each of cnb.pc's Requires.private is linked from its
own archives where every library of its `--static` closure has one here;
the others stay shared, and the per-module test says which libraries
lacked one (Debian's libcurl4-openssl-dev names -lnghttp2, -lpsl, -lldap...
in Libs.private, which Debian ships neither as archives nor, without their
-dev packages, as linkable .so: such a name is left out only when it belongs
to a dependency that is linked shared, whose .so carries it already)."""
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from package.installed import BUILD, make

PROGRAM = r"""
#include <cnb.h>

int main(void)
{
    manual_seed(7);
    Model *model = sequential(linear(4, 3), relu(), linear(3, 2));
    float values[8] = {1, 2, 3, 4, -1, 0.5f, 2, 0};
    Tensor *x = tensor_from_data(values, (int[]){2, 4}, 2);
    Tensor *y = model_predict(model, x);
    float first = tensor_get(y, 1, 1);
    if (model_save(model, "model.safetensors") != 0)
        return 2;
    manual_seed(8);
    Model *again = sequential(linear(4, 3), relu(), linear(3, 2));
    if (model_load(again, "model.safetensors") != 0)
        return 3;
    float second = tensor_get(model_predict(again, x), 1, 1);
    double loss[] = {2.3, 0.9, 0.5, 0.35};
    Series series[] = {{"loss", loss, 4}};
    if (plot_lines(series, 1, .title = "Verlust") != 0)
        return 4;
    printf("output %.6f reloaded %.6f\n", first, second);
    tensor_free(x);
    model_free(model);
    model_free(again);
    return 0;
}
"""


def pkg_config(installed, *args):
    """pkg-config on the installed cnb.pc, its own -I and -L moved into
    DESTDIR (--define-variable would move every module's includedir)."""
    root, pc_dir = installed
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc_dir))

    def run(*arguments):
        return subprocess.run(["pkg-config", *arguments], env=env, capture_output=True,
                              text=True, check=True).stdout

    own = {"-I" + run("--variable=includedir", "cnb").strip(), "-L" + run("--variable=libdir", "cnb").strip()}
    return [flag[:2] + str(root) + flag[2:] if flag in own else flag for flag in run(*args).split()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("pkgconfig") / "root"
    make(root, "install-libLTLIBRARIES", "install-pkgconfigDATA", "install-includeHEADERS",
         "install-cnbincludeHEADERS")
    found = list(root.rglob("cnb.pc"))
    assert len(found) == 1, found
    return root, found[0].parent


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("program") / "uses_cnb.c"
    path.write_text(PROGRAM)
    return path


def build_and_run(source, flags, tmp_path, env=None):
    program = tmp_path / "uses_cnb"
    built = subprocess.run(["gcc", "-std=gnu17", str(source), "-o", str(program), *flags],
                           capture_output=True, text=True)
    assert built.returncode == 0, "gcc %s\n%s" % (" ".join(flags), built.stderr[-4000:])
    run = subprocess.run([str(program)], cwd=tmp_path, capture_output=True, text=True,
                         env=dict(os.environ, CNB_DISPLAY_DIR=str(tmp_path), **(env or {})))
    assert run.returncode == 0, run.stdout + run.stderr
    first, second = re.search(r"output (\S+) reloaded (\S+)", run.stdout).groups()
    assert first == second, "the checkpoint (Jansson) did not give back the model: " + run.stdout
    pictures = list(tmp_path.glob("cnb-display-*.png"))
    assert len(pictures) == 1, run.stdout
    png = pictures[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    assert width > 100 and height > 100, (width, height)
    return program


def needed(program):
    dynamic = subprocess.run(["readelf", "-d", str(program)], capture_output=True, text=True,
                             check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.*?)\]", dynamic)


def test_pc_file_is_valid_and_names_the_dependencies(installed):
    root, pc_dir = installed
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc_dir))
    subprocess.run(["pkg-config", "--validate", "cnb"], env=env, check=True)
    requires = subprocess.run(["pkg-config", "--print-requires-private", "cnb"], env=env,
                              capture_output=True, text=True, check=True).stdout
    modules = {line.split()[0] for line in requires.splitlines()}
    assert {"cairo", "zlib", "libcurl", "jansson", "openblas", "libcrypto"} <= modules, modules
    assert "Libs.private: -lpthread -lm -ldl" in (pc_dir / "cnb.pc").read_text()


def test_shared_link_with_cflags_and_libs(installed, source, tmp_path):
    flags = pkg_config(installed, "--cflags", "--libs", "cnb")
    root = installed[0]
    # The private dependencies stay private: a program links libcnb alone.
    assert [f for f in flags if f.startswith("-l")] == ["-lcnb"], flags
    libdir = next(f[2:] for f in flags if f.startswith("-L"))
    assert libdir.startswith(str(root)), flags
    program = build_and_run(source, flags, tmp_path, env={"LD_LIBRARY_PATH": libdir})
    assert "libcnb.so.0" in needed(program)


# ---- static links ----------------------------------------------------------

def search_dirs(flags):
    out = subprocess.run(["gcc", "-print-search-dirs"], capture_output=True, text=True,
                         check=True).stdout
    default = re.search(r"^libraries: =(.*)$", out, re.M).group(1).split(":")
    return [f[2:] for f in flags if f.startswith("-L")] + default


def library(name, suffix, dirs):
    return next((Path(d) / ("lib%s.%s" % (name, suffix)) for d in dirs
                 if (Path(d) / ("lib%s.%s" % (name, suffix))).exists()), None)


# glibc's own libraries: shared, as glibc itself is here.
LIBC = {"c", "m", "pthread", "dl", "rt"}


def names(flags):
    return [f[2:] for f in flags if f.startswith("-l")]


def without_archive(installed, module):
    """The libraries of MODULE's --static closure that have no archive here."""
    flags = pkg_config(installed, "--static", "--libs", module)
    dirs = search_dirs(flags)
    return sorted({n for n in names(flags) if n not in LIBC and not library(n, "a", dirs)})


def static_link_flags(installed, archive, static_modules):
    """pkg-config --static --cflags --libs cnb, with -lcnb the whole archive,
    STATIC_MODULES' libraries as their archives, the rest shared."""
    flags = pkg_config(installed, "--static", "--cflags", "--libs", "cnb")
    modules = [m for m in pkg_config(installed, "--print-requires-private", "cnb")
               if re.match(r"^[a-z]", m)]
    static = {n for m in static_modules for n in names(pkg_config(installed, "--static", "--libs", m))}
    shared_own = {n for m in modules if m not in static_modules
                  for n in names(pkg_config(installed, "--libs", m))}
    shared_private = {n for m in modules if m not in static_modules
                      for n in names(pkg_config(installed, "--static", "--libs", m))} - shared_own
    dirs = search_dirs(flags)
    line, left_out = [], []
    for flag in flags:
        name = flag[2:] if flag.startswith("-l") else None
        if name == "cnb":
            line += ["-Wl,--whole-archive", str(archive), "-Wl,--no-whole-archive"]
        elif name in static and name not in shared_own | LIBC and library(name, "a", dirs):
            line.append("-l:lib%s.a" % name)
        elif name is None or library(name, "so", dirs) or library(name, "a", dirs):
            line.append(flag)
        elif name in shared_private and name not in static:
            left_out.append(name)       # carried by the shared dependency's own .so
        else:
            pytest.fail("cnb.pc's --static flags name -l%s, which is nowhere here" % name)
    return line, left_out


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """libcnb as an archive (runtime/libcnb-static.la: the same objects)."""
    built = BUILD / "runtime" / ".libs" / "libcnb-static.a"
    assert built.exists(), "%s not built" % built
    folder = tmp_path_factory.mktemp("static")
    shutil.copy(built, folder / "libcnb.a")
    return folder / "libcnb.a"


def test_static_libcnb_with_static_flags(installed, source, archive, tmp_path):
    flags, left_out = static_link_flags(installed, archive, static_modules=())
    program = build_and_run(source, flags, tmp_path)
    assert not any(n.startswith("libcnb") for n in needed(program)), needed(program)
    print("left out (private to a dependency linked shared): " + " ".join(left_out))


@pytest.mark.parametrize("module", ["cairo", "zlib", "libcurl", "jansson", "openblas", "libcrypto"])
def test_static_dependency(installed, source, archive, tmp_path, module):
    missing = without_archive(installed, module)
    if missing:
        pytest.skip("%s cannot be linked statically here: its --static closure names %s, "
                    "which have no static library (lib*.a)" % (module, ", ".join(
                        "-l" + n for n in missing)))
    flags, _ = static_link_flags(installed, archive, static_modules=(module,))
    program = build_and_run(source, flags, tmp_path)
    own = names(pkg_config(installed, "--libs", module))
    linked = needed(program)
    assert not [n for n in linked if any(n.startswith("lib%s.so" % o) for o in own)], linked
