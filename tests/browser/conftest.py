"""Browser tests: Playwright drives Debian's Chromium against a live server.

One Chromium per test process (per xdist worker); for each test a fresh SQLite database, a
uvicorn server on a free 127.0.0.1 port in a thread of this process, and a new browser
context. After each test the page must have raised no JavaScript exception, met no
Content-Security-Policy violation and opened no alert.

Chromium is Debian's (/usr/bin/chromium); Playwright never downloads a browser here. Without
it the tests are skipped, except with CI=true, where they fail (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from browserkit import Live, Watch
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from solde.bootstrap import Config, Container
from solde.server import create_app
from solde.storage import users

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1366, "height": 900}
#: How long the server may take to start or stop (seconds).
SERVER_WAIT = 10.0
#: Auto-waiting actions and assertions give up after this long (milliseconds): generous, as
#: the browser tests may share the machine with the rest of the suite.
TIMEOUT_MS = 8_000
expect.set_options(timeout=TIMEOUT_MS)

#: Records Content-Security-Policy violations: every document the page loads reports them.
CSP_RECORDER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__soldeCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    source: event.sourceFile + ":" + event.lineNumber,
  });
});
"""


def _missing_chromium(reason: str) -> None:
    message = f"the browser tests need Debian's Chromium at {CHROMIUM}: {reason}"
    if CI:
        pytest.fail(
            f"{message} (CI=true: install it with `apt-get install chromium`)", pytrace=False
        )
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for this test process."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing_chromium("it is not installed")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except PlaywrightError as exc:
        playwright.stop()
        _missing_chromium(f"it does not start ({str(exc).splitlines()[0]})")
    yield launched
    launched.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing in is not what these tests measure: argon2 with its smallest parameters."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def live(sqlite_template: Path, tmp_path: Path) -> Iterator[Live]:
    """The whole server (back office and API) over a fresh migrated SQLite database."""
    target = tmp_path / "solde.db"
    shutil.copyfile(sqlite_template, target)
    container = Container(Config(f"sqlite:///{target}"))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(container),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="solde-live", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + SERVER_WAIT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the live server did not start"
    try:
        yield Live(f"http://127.0.0.1:{port}", container)
    finally:
        server.should_exit = True
        thread.join(SERVER_WAIT)
        listener.close()
        container.dispose()
    assert not thread.is_alive(), "the live server did not stop"


@pytest.fixture
def watch() -> Watch:
    """The page errors, console errors, CSP violations and alerts of the test's page."""
    return Watch()


@pytest.fixture
def context(browser: Browser, live: Live, watch: Watch) -> Iterator[BrowserContext]:
    """A new browser context (no cookies, 1366×900) pointed at the live server."""
    ctx = browser.new_context(base_url=live.url, viewport=VIEWPORT, locale="en-US")
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.expose_binding(
        "__soldeCspViolation", lambda _source, violation: watch.csp_violations.append(violation)
    )
    ctx.add_init_script(CSP_RECORDER)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, watch: Watch) -> Iterator[Page]:
    """A page of the test's context. After the test: no JavaScript exception, no CSP
    violation and no alert may have happened."""
    tab = context.new_page()
    tab.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    tab.on("console", watch.on_console)
    tab.on("dialog", watch.on_dialog)
    yield tab
    if not tab.is_closed():
        tab.evaluate("1")  # deliver the reports still on their way from the browser
    details = f"(console errors: {watch.console_errors})"
    assert not watch.page_errors, f"JavaScript errors: {watch.page_errors} {details}"
    assert not watch.csp_violations, f"CSP violations: {watch.csp_violations} {details}"
    assert not watch.dialogs, f"unexpected alerts: {watch.dialogs}"
