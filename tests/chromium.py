"""Debian's Chromium for the browser tests, driven by Playwright's Python package (never its own browser download).

The one skip the project allows: real-browser tests on a machine without Chromium (.ci/run installs it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)

# The one skip the project allows: real-browser tests on a machine without Chromium (.ci/run installs it).
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed: run `apt-get install -y chromium` to run the browser tests"
)

# Headless in a container: no sandbox (we run as root), no GPU, and nothing that reaches for the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright: Any) -> Any:
    """Start the system's Chromium headless through a running ``sync_playwright()``; the caller closes it."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
