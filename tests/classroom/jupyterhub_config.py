# SPDX-License-Identifier: BSD-3-Clause
# JupyterHub for the classroom test (test_jupyterhub.py): on 127.0.0.1, the
# dummy authenticator (one shared password), and JupyterHub's own
# SimpleLocalProcessSpawner, which runs every student's single-user
# JupyterLab as the hub's own user in a home folder of its own: the test
# needs no Unix accounts, as root in CI or as a developer.  Not for a real
# class: docs/classroom.md has that configuration.  The test passes ports
# and folders in the environment.
import os
import sys

c = get_config()  # noqa: F821 (JupyterHub defines it)
env = os.environ
state = env["CNB_HUB_STATE"]

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(env["CNB_HUB_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env["CNB_HUB_API_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env['CNB_HUB_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "cookie_secret")
c.JupyterHub.cleanup_servers = True

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = env["CNB_HUB_PASSWORD"]
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(env["CNB_HUB_HOMES"], "{username}")
# The venv's single-user server (JupyterLab 4), which finds the build tree's
# cnb kernelspec through JUPYTER_PATH.
c.Spawner.cmd = [os.path.join(os.path.dirname(sys.executable), "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.env_keep.extend(["JUPYTER_PATH", "JUPYTER_CONFIG_DIR"])
if os.getuid() == 0:
    c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
