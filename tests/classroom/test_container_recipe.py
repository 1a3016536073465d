# SPDX-License-Identifier: BSD-3-Clause
"""The single-user image's recipe (deploy/Containerfile) and the Zero to
JupyterHub values (deploy/z2jh-values.yaml) against the project's set-up.

CI has no container engine, so the image is not built here (it was built
once by hand, see docs/classroom.md); instead every
command the recipe runs must be, word for word, a command of
scripts/setup-debian or scripts/build (with the scripts' variables, which the
recipe sets for the image), and the packages it installs must be the
set-up's build and data groups.  A change to the set-up that the recipe
does not follow fails here.  The kernel culling settings of the values and
of the guide must reach jupyter_server (`jupyter server --show-config`)."""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

SRCDIR = os.environ.get("CNB_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
RECIPE = os.path.join(SRCDIR, "deploy", "Containerfile")
VALUES = os.path.join(SRCDIR, "deploy", "z2jh-values.yaml")
GUIDE = os.path.join(SRCDIR, "docs", "classroom.md")
SETUP = os.path.join(SRCDIR, "scripts", "setup-debian")
BUILD = os.path.join(SRCDIR, "scripts", "build")

# What only an image needs: smaller layers, the user Zero to JupyterHub runs as.
IMAGE_ONLY = {
    "rm -rf /var/lib/apt/lists/*",
    "rm -rf /opt/cnb/_build",
    "useradd --create-home --uid 1000 jovyan",
}


def logical_lines(path):
    """Lines with backslash continuations joined and comments dropped."""
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def commands(line):
    return [" ".join(part.split()) for part in line.split("&&") if part.strip()]


def script_commands():
    found = set()
    for path in (SETUP, BUILD):
        for line in logical_lines(path):
            found.update(commands(line))
    return found


def recipe():
    """(ENV variables, RUN commands) of the Containerfile."""
    env, runs = {}, []
    for line in logical_lines(RECIPE):
        word, _, rest = line.partition(" ")
        if word == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
        elif word == "RUN":
            runs += commands(rest)
    return env, runs


def script_group(name):
    with open(SETUP) as f:
        match = re.search(rf'^{name}="([^"]*)"', f.read(), re.M)
    assert match, f"scripts/setup-debian defines {name}"
    return match.group(1).split()


def test_every_command_of_the_recipe_is_a_set_up_command():
    _, runs = recipe()
    known = script_commands()
    assert runs, "the recipe runs commands"
    for command in runs:
        if command in IMAGE_ONLY:
            continue
        as_in_script = command.replace("$BUILD_PACKAGES $DATA_PACKAGES", "$missing")
        assert as_in_script in known, f"not a command of scripts/setup-debian or build: {command}"


def test_the_recipe_runs_every_step_of_the_set_up():
    """The other way round: the set-up's installing and building steps are all in the recipe."""
    _, runs = recipe()
    steps = ["apt-get install", "python3 -m venv", "pip install", "jupyter_server_config.py",
             "autoreconf", "../configure", "make -j", "make install", "ldconfig"]
    known = script_commands()
    for step in steps:
        assert any(step in c for c in known), f"the set-up has a step {step!r}"
        assert any(step in c for c in runs), f"the recipe misses the set-up's step {step!r}"


def test_the_image_gets_the_build_and_data_packages():
    env, _ = recipe()
    assert env["BUILD_PACKAGES"].split() == script_group("BUILD_PACKAGES")
    assert env["DATA_PACKAGES"].split() == script_group("DATA_PACKAGES")
    assert set(script_group("TEST_PACKAGES")).isdisjoint(env["BUILD_PACKAGES"].split())


def pinned(name):
    """The package names a requirements file pins (lower case)."""
    with open(os.path.join(SRCDIR, name)) as f:
        return {line.split("==")[0].strip().lower() for line in f if "==" in line}


def test_the_image_gets_the_runtime_and_hub_not_the_test_packages():
    """The image runs jupyterhub-singleuser (the classroom set) and JupyterLab
    (the runtime), never the tests' Playwright or jupyter_kernel_test."""
    env, _ = recipe()
    files = env["requirements"].split()[1::2]
    assert env["requirements"].split()[::2] == ["-r"] * len(files)
    assert files == [env["here"] + "/requirements.txt", env["here"] + "/requirements-classroom.txt"]
    runtime, hub, tests = (pinned("requirements.txt"), pinned("requirements-classroom.txt"),
                           pinned("requirements-test.txt"))
    assert {"jupyterlab", "notebook", "nbconvert", "ipykernel"} <= runtime
    assert "jupyterhub" in hub and "jupyterhub" not in runtime
    assert {"playwright", "jupyter_kernel_test"} <= tests
    assert not ({"playwright", "jupyter_kernel_test"} & (runtime | hub))
    with open(os.path.join(SRCDIR, "requirements-test.txt")) as f:
        assert "-r requirements-classroom.txt" in f.read().split("\n"), "the tests get the hub too"


def test_the_recipe_sets_the_scripts_variables():
    env, _ = recipe()
    assert env["venv"] == env["here"] + "/.venv", "the venv where setup-debian makes it"
    assert env["SUDO"] == "", "root in the image"
    with open(BUILD) as f:
        assert "prefix=${PREFIX:-/usr/local}" in f.read()
    assert env["prefix"] == "/usr/local"


def test_the_values_use_the_image_with_limits():
    yaml = pytest.importorskip("yaml")
    with open(VALUES) as f:
        values = yaml.safe_load(f)
    single = values["singleuser"]
    assert single["image"]["name"] and single["image"]["tag"]
    assert single["cpu"]["limit"] >= 1 and single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    assert single["memory"]["limit"].endswith(("M", "G"))
    assert single["cmd"] == "jupyterhub-singleuser"


def server_config(path, settings, tmp_path):
    """What `jupyter server --show-config` shows with settings (a dict) written
    as JSON to path, an absolute path under /etc/jupyter, moved under tmp_path."""
    assert path.startswith("/etc/jupyter/"), path
    target = tmp_path / "etc-jupyter" / path[len("/etc/jupyter/"):]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings))
    env = dict(os.environ, JUPYTER_CONFIG_PATH=str(tmp_path / "etc-jupyter"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "user-config"))
    done = subprocess.run([sys.executable, "-m", "jupyter", "server", "--show-config"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_values_kernel_culling_reaches_the_server(tmp_path):
    """jupyter_server reads only the extensions to enable from a
    jupyter_server_config.d/ folder: settings put there are ignored."""
    yaml = pytest.importorskip("yaml")
    with open(VALUES) as f:
        cull = yaml.safe_load(f)["singleuser"]["extraFiles"]["cull-kernels"]
    shown = server_config(cull["mountPath"], cull["data"], tmp_path)
    assert ".cull_idle_timeout = 1200" in shown and ".cull_connected = True" in shown, shown


def test_the_guides_kernel_culling_reaches_the_server(tmp_path):
    with open(GUIDE) as f:
        guide = f.read()
    match = re.search(r"Culling idle kernels.*?`(/etc/jupyter/[^`]+)`.*?```json\n(.*?)```",
                      guide, re.S)
    assert match, "docs/classroom.md shows where the culling settings go, and the settings"
    shown = server_config(match.group(1), json.loads(match.group(2)), tmp_path)
    assert ".cull_idle_timeout = 1200" in shown, shown
