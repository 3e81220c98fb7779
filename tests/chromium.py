"""Debian's Chromium, headless, driven by Playwright: what the page tests share."""

from __future__ import annotations

import os
import shutil
import warnings

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.processes import ROOT

CHROMIUM = os.environ.get("ARBSITE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not shutil.which(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (.ci/run installs it)"
)


async def log_in(page, running: dict) -> None:
    """Through the login form, as a trader does, on `run_all` as a fixture of tests/conftest.py
    gives it (`url`, `user`, `password`); the page then shows Prices."""
    await page.goto(running["url"] + "/accounts/login/")
    await page.fill("input[name=username]", running["user"])
    await page.fill("input[name=password]", running["password"])
    await page.click("button[type=submit]")
    await page.wait_for_url(running["url"] + "/")


async def save_screenshots(page, name: str, full_page: bool = True) -> None:
    """The page at desktop and phone widths, in test-artifacts/.

    A picture for people to look at, not an assertion: headless Chromium's capture now and then
    never returns (Playwright's "taking page screenshot ... fonts loaded", then nothing; seen
    once in CI on a page that had rendered and passed every check), so a capture is tried
    twice, then given up with a warning rather than failing the behaviour the test asserts."""
    ARTIFACTS.mkdir(exist_ok=True)
    for label, size in VIEWPORTS.items():
        await page.set_viewport_size(size)
        path = str(ARTIFACTS / f"{name}-{label}.png")
        for attempt in (1, 2):
            # Charts follow their box on the next frame (a ResizeObserver): shoot after it.
            await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            try:
                await page.screenshot(path=path, full_page=full_page, timeout=15_000)
                break
            except PlaywrightTimeoutError as exc:
                if attempt == 2:
                    warnings.warn(f"no screenshot {path}: {exc.message.splitlines()[0]}", stacklevel=2)
    await page.set_viewport_size(VIEWPORTS["desktop"])
