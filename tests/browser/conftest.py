"""Playwright drives Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def screenshot(output_path: str) -> Callable[[Page, str], Path]:
    """Full-page screenshots kept beside pytest-playwright's artifacts (var/test-results/<test>/)."""

    def take(page: Page, name: str) -> Path:
        path = Path(output_path) / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
