# SPDX-License-Identifier: BSD-3-Clause
# Jupyter server configuration for cnb: scripts/setup-debian copies it into
# the project's venv (.venv/etc/jupyter/), the tests into theirs.
#
# cnb answers completion, inspection and is_complete while a cell runs, each
# with its own busy and idle status, as the protocol asks.
# JupyterLab shows the last status a kernel published, whatever its parent,
# except for message types the server lists as untracked: so the idle of a
# completion would flash "idle" in the middle of a training.  Listing these
# requests as untracked keeps the indicator on the cell's busy.  (They then
# also no longer count as user activity for culling idle kernels.)  History
# stays tracked: its idle, when a notebook opens or its kernel restarts, is
# how JupyterLab first learns that the kernel is idle (kernel_info is
# untracked by default).
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
default = list(MappingKernelManager.class_traits()["untracked_message_types"].make_dynamic_default())
c.MappingKernelManager.untracked_message_types = list(dict.fromkeys(default + [
    "complete_request", "complete_reply",
    "inspect_request", "inspect_reply",
    "is_complete_request", "is_complete_reply",
]))
