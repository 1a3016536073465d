# SPDX-License-Identifier: BSD-3-Clause
"""The layout as the linker sees it (issue 21): from the built objects' symbol
tables (nm), no two files call each other, in a longer circle either, and the
runtime's folders call only downward (host <- core <- data <- nn <- plot).
A file that calls back into its caller fails here, naming both and the
functions that close the circle."""
import os
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("CNB_BUILDDIR", Path(__file__).resolve().parents[2] / "_build"))
RUNTIME_ORDER = ["host", "core", "data", "nn", "plot"]


def symbols(obj, *flags):
    out = subprocess.run(["nm", *flags, str(obj)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def objects(component):
    """The objects of libcnb (libtool's PIC copies) or of cnb-kernel, by source file."""
    root = BUILD / component
    if component == "runtime":
        found = [p for p in root.rglob("*.o") if p.parent.name == ".libs"]
        return {str(p.parent.parent.relative_to(root) / p.stem) + ".c": p for p in found}
    found = [p for p in root.rglob("cnb_kernel-*.o")]
    return {str(p.parent.relative_to(root) / p.stem.replace("cnb_kernel-", "", 1)) + ".c": p
            for p in found}


def call_graph(component):
    objs = objects(component)
    if not objs:
        pytest.skip("no objects of %s under %s (not built)" % (component, BUILD))
    defined = {name: symbols(obj, "--defined-only", "-g") for name, obj in objs.items()}
    owner = {}
    for name, syms in defined.items():
        for sym in syms:
            owner.setdefault(sym, name)
    calls = defaultdict(lambda: defaultdict(set))
    for name, obj in objs.items():
        for sym in symbols(obj, "-u"):
            callee = owner.get(sym)
            if callee and callee != name:
                calls[name][callee].add(sym)
    return objs, calls


def circles(nodes, calls):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in calls.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return found


def describe(component, calls):
    return "; ".join("%s -> %s (%s)" % (a, b, ", ".join(sorted(calls[a][b])[:3]))
                     for a in component for b in component if b in calls.get(a, {}))


@pytest.mark.parametrize("component", ["runtime", "kernel"])
def test_no_two_files_call_each_other(component):
    objs, calls = call_graph(component)
    assert len(objs) > 20, "too few objects found: %d" % len(objs)
    found = circles(objs, calls)
    assert not found, "circles between files: " + " | ".join(describe(c, calls) for c in found)


def test_the_runtime_calls_only_downward():
    objs, calls = call_graph("runtime")
    upward = []
    for caller, callees in calls.items():
        top = caller.split("/")[0]
        for callee, syms in callees.items():
            below = callee.split("/")[0]
            if top in RUNTIME_ORDER and below in RUNTIME_ORDER and \
                    RUNTIME_ORDER.index(below) > RUNTIME_ORDER.index(top):
                upward.append("%s -> %s (%s)" % (caller, callee, ", ".join(sorted(syms)[:3])))
    assert not upward, "calls upward: " + "; ".join(sorted(upward))


def test_the_detector_finds_a_circle():
    calls = {"a.c": {"b.c": {"f"}}, "b.c": {"c.c": {"g"}}, "c.c": {"a.c": {"h"}}, "d.c": {"a.c": {"i"}}}
    assert circles(["a.c", "b.c", "c.c", "d.c"], calls) == [["a.c", "b.c", "c.c"]]
