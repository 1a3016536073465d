# SPDX-License-Identifier: BSD-3-Clause
"""The flags a Makefile fragment's comment promises are the ones the
compiler ends up with.  automake puts the user's CFLAGS (configure's
`-g -O2`) after AM_CFLAGS and a target's own _CFLAGS, so an `-O3` there
loses to `-O2`; runtime/ appends the flags the code depends on after CFLAGS
instead.  Checked twice: in the compile commands make would run (`make -n
V=1`, with configure's CFLAGS and with a user's `make CFLAGS=...` that asks
for the opposite), and in every built object's DW_AT_producer (what gcc
recorded it was run with)."""
import re
import subprocess
from pathlib import Path

import pytest

from package.installed import BUILD

RUNTIME = BUILD / "runtime"
# The opposite of everything promised: the user's CFLAGS must not undo it.
HOSTILE_CFLAGS = "-g -O0 -fomit-frame-pointer -fmath-errno"
VECTOR_SOURCES = ["core/vector_ops.c", "core/transpose.c", "core/nonzeros.c"]


def effective(flags, *choices):
    """The last of CHOICES (prefixes) among FLAGS: the one gcc obeys."""
    chosen = [f for f in flags if any(f == c or (c.endswith("*") and f.startswith(c[:-1]))
                                      for c in choices)]
    return chosen[-1] if chosen else None


def optimization(flags):
    return effective(flags, "-O*")


def frame_pointer(flags):
    return effective(flags, "-fomit-frame-pointer", "-fno-omit-frame-pointer")


def math_errno(flags):
    return effective(flags, "-fmath-errno", "-fno-math-errno")


def srcdir():
    """runtime's srcdir as its Makefile names it (make knows a source by
    that path: VPATH)."""
    makefile = (RUNTIME / "Makefile").read_text()
    return re.search(r"^srcdir = (.*)$", makefile, re.M).group(1)


def compile_command(target, source, *make_args):
    """The gcc command make would run for TARGET if SOURCE had changed."""
    out = subprocess.run(["make", "-n", "V=1", "-W", srcdir() + "/" + source, *make_args, target],
                         cwd=RUNTIME, capture_output=True, text=True, check=True).stdout
    commands = [line for line in out.splitlines() if " -c " in line and target in line]
    assert len(commands) == 1, out
    return commands[0].split()


def vector_object(source):
    return "core/libvector_ops_la-%s.lo" % Path(source).stem


@pytest.mark.parametrize("make_args", [(), ("CFLAGS=" + HOSTILE_CFLAGS,)], ids=["configured", "hostile"])
@pytest.mark.parametrize("source", VECTOR_SOURCES)
def test_vector_loops_get_O3_and_no_math_errno(source, make_args):
    flags = compile_command(vector_object(source), source, *make_args)
    assert optimization(flags) == "-O3", flags
    assert math_errno(flags) == "-fno-math-errno", flags
    assert frame_pointer(flags) == "-fno-omit-frame-pointer", flags


@pytest.mark.parametrize("make_args", [(), ("CFLAGS=" + HOSTILE_CFLAGS,)], ids=["configured", "hostile"])
def test_vector_ops_without_loop_interchange(make_args):
    flags = compile_command(vector_object("core/vector_ops.c"), "core/vector_ops.c", *make_args)
    assert effective(flags, "-floop-interchange", "-fno-loop-interchange") == "-fno-loop-interchange"
    assert effective(flags, "-floop-unroll-and-jam", "-fno-loop-unroll-and-jam") == \
        "-fno-loop-unroll-and-jam"


@pytest.mark.parametrize("make_args", [(), ("CFLAGS=" + HOSTILE_CFLAGS,)], ids=["configured", "hostile"])
def test_runtime_keeps_frame_pointers(make_args):
    """host/error.c walks the frame pointers back to the failing cell."""
    flags = compile_command("host/error.lo", "host/error.c", *make_args)
    assert frame_pointer(flags) == "-fno-omit-frame-pointer", flags


def test_user_cflags_still_choose_the_default_level():
    """-O2 is only a default: a user's -O0 (a debugging build) wins."""
    flags = compile_command("host/error.lo", "host/error.c", "CFLAGS=-g -O0")
    assert optimization(flags) == "-O0", flags


def producers():
    """{object: flags gcc recorded} for every built object of libcnb."""
    found = {}
    for obj in sorted(RUNTIME.rglob(".libs/*.o")):
        if obj.parent.parent.name == "abi":
            continue
        info = subprocess.run(["readelf", "--debug-dump=info", str(obj)], capture_output=True,
                              text=True).stdout
        producer = re.search(r"DW_AT_producer\s*:.*?: (GNU C.*)$", info, re.M)
        if producer:
            found[obj.relative_to(RUNTIME)] = producer.group(1).split()
    return found


def test_built_objects_record_the_promised_flags():
    objects = producers()
    if not objects:
        pytest.skip("the build has no debugging information (CFLAGS without -g): "
                    "no DW_AT_producer to read")
    vector = {Path("core/.libs/libvector_ops_la-%s.o" % Path(s).stem) for s in VECTOR_SOURCES}
    assert vector <= set(objects), sorted(map(str, objects))
    assert len(objects) > 50, len(objects)
    for obj, flags in objects.items():
        assert frame_pointer(flags) == "-fno-omit-frame-pointer", (str(obj), flags)
        if obj in vector:
            assert optimization(flags) == "-O3", (str(obj), flags)
            assert math_errno(flags) == "-fno-math-errno", (str(obj), flags)
