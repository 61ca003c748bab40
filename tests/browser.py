"""Headless Chromium (Debian's build) through Playwright, with SwiftShader WebGPU. Shared by browser tests."""
from __future__ import annotations

import contextlib
import os
import shutil

import pytest

from compiler.browser_bench import CHROMIUM, CHROMIUM_ARGS


@contextlib.contextmanager
def chromium_browser():
    """Yield a Playwright Browser; fail in CI (skip elsewhere) when Chromium is missing."""
    if not shutil.which(CHROMIUM):
        msg = f"{CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Console:
    """Console lines and uncaught errors of a page, for assertion messages."""

    def __init__(self, page):
        self.lines: list[str] = []
        page.on("console", lambda m: self.lines.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: self.lines.append(f"[pageerror] {e}"))

    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith(("[error]", "[pageerror]"))]

    def __str__(self) -> str:
        return "\n".join(self.lines[-40:]) or "(no console output)"
