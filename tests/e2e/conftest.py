"""Browser fixtures: a demo portal served by the real server on 127.0.0.1, and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_TIMEOUT_MS = 120_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Demo:
    """A running demo portal: its URL and its instance directory."""

    url: str
    instance: Path


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`otkrito demo` content served by uvicorn (Flask and Datasette) on a free 127.0.0.1 port."""
    instance = tmp_path_factory.mktemp("browser") / "instance"
    otkrito = [sys.executable, "-m", "app.cli"]
    for command in (["init"], ["demo"]):
        subprocess.run(otkrito + command, cwd=REPO, env={**os.environ, "OTKRITO_INSTANCE": str(instance)},
                       check=True, capture_output=True)
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                           "--port", "{port}", "--log-level", "warning"],
                          env={"OTKRITO_INSTANCE": str(instance),
                               "OTKRITO_BASE_URL": "http://127.0.0.1:{port}"})
    try:
        yield Demo(server.url, instance)
    finally:
        stop_server(server)


# Per module: Playwright's sync API keeps an event loop running in the main thread while it is
# open, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    from playwright.sync_api import expect

    # Playwright's defaults (5 s for an expectation, 30 s for an action) are a guess at the
    # machine's speed; a slow or busy one needs longer, a fast one never waits the whole time.
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              timeout=BROWSER_TIMEOUT_MS)
        yield PatientBrowser(launched)
        launched.close()


class PatientBrowser:
    """The launched Chromium, whose every new context waits BROWSER_TIMEOUT_MS for a page."""

    def __init__(self, browser) -> None:  # type: ignore[no-untyped-def]
        self._browser = browser

    def new_context(self, **options):  # type: ignore[no-untyped-def]
        context = self._browser.new_context(**options)
        context.set_default_timeout(BROWSER_TIMEOUT_MS)
        context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
        return context

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A fresh desktop page; its console errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    assert errors == []


@pytest.fixture
def shoot():  # type: ignore[no-untyped-def]
    """Save a full-page screenshot under tests/artifacts/ (git-ignored): shoot(page, name)."""

    def save(page, name: str) -> Path:  # type: ignore[no-untyped-def]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
