# SPDX-License-Identifier: BSD-3-Clause
"""The kernel's Python tests live in one folder per kernel folder and share
front_support.py and long_session.py from here."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
