"""Playwright drives Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

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


def sign_in_by_keyboard(page: Page, base_url: str, username: str, password: str = "mot-de-passe-test") -> None:
    """Sign an agent in with the keyboard only: the username field has focus on arrival, Tab, password, Enter.

    The browser applies autofocus after the load event, so typing must wait for the focus, or its first keys
    go nowhere; waiting on it also checks that the field gets it.
    """
    page.goto(base_url + "/agent/connexion/")
    expect(page.locator("input:focus")).to_have_attribute("name", "username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)  # signed in before going anywhere
