"""Browser tests: the real service (uvicorn, in a thread) on a free port, driven by Debian's
chromium through Playwright's async API. Each page a test visits can be checked with axe-core
(no serious or critical WCAG 2.2 AA violation) and screenshotted into tests/screenshots/.

`playwright install` cannot work on these machines: chromium comes from Debian
(scripts/setup.sh --test installs it), axe-core from npm (package.json).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from licensing.app import create_app
from licensing.settings import PROJECT_ROOT, load
from tests.conftest import new_database
from tests.pages.conftest import PASSWORD, TOTP_SECRETS, totp_code

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BROWSER_TIMEOUT_MS = 60_000

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app(settings) in a background thread."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.url = settings.base_url
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=settings.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def live_settings(db_url: str, **extra: str):
    port = free_port()
    env = {
        "DATABASE_URL": db_url,
        "CROSSCHECK_PORT": str(port),
        "CROSSCHECK_BASE_URL": f"http://127.0.0.1:{port}",
        "CROSSCHECK_SCHEDULER": "false",
        **extra,
    }
    return load(env)


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: run scripts/setup.sh --test")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="module")
async def live_db(cluster, template_url):
    """One database for a module's story: its tests build on each other, in order."""
    return await new_database(cluster, template_url)


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """Extra settings for a module's service; a module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
async def live(live_db, live_env):
    with LiveServer(live_settings(live_db, **live_env)) as server:
        yield server


@pytest.fixture(scope="module")
async def cookies(browser, live):
    """Each person's cookies, signed in through the form once for the module (the first time a
    test asks): a test whose story is not the sign-in starts its pages from them instead of
    signing in again (a password hash, two pages, and a wait when the authenticator's codes for
    this half-minute are used up)."""
    signed: dict[str, dict] = {}

    async def of(email: str) -> dict:
        if email not in signed:
            async with new_page(browser, live) as page:
                await sign_in(page, email, PASSWORD)
                assert urlsplit(page.url).path == "/", f"{email} was not signed in"
                signed[email] = await page.context.storage_state()
        return signed[email]

    return of


@contextlib.asynccontextmanager
async def new_page(
    browser, live: LiveServer, *, javascript: bool = True, storage_state: dict | None = None
):
    """A fresh browser profile (its own cookies), so two officers can work side by side.
    bypass_csp lets the test inject axe-core into pages whose CSP forbids inline scripts;
    javascript=False proves a journey works without it (axe then cannot run);
    storage_state starts it signed in, with the cookies of one who signed in before (cookies)."""
    context = await browser.new_context(
        base_url=live.url,
        bypass_csp=True,
        java_script_enabled=javascript,
        viewport={"width": 1200, "height": 900},
        storage_state=storage_state,
    )
    # a generous ceiling on every wait for a page, a click or an element: on a shared, busy
    # machine a page that loads in a second alone can take many (a passing wait ends early)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def check_page(page, name: str | None = None) -> None:
    """No serious or critical axe-core violation on the page; then a screenshot, if named."""
    await page.wait_for_load_state()
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    # Every rule still runs on every node; resultTypes only spares axe describing each node
    # that passed (a unique selector for each of thousands of table cells), which took half
    # or more of its time on the long pages. Only violations are read here.
    results = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    bad = [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on {page.url}:\n{json.dumps(bad, indent=2)}"
    if name:
        await screenshot(page, name)


async def screenshot(page, name: str) -> None:
    """The whole page into tests/screenshots/, up to a height a reviewer reads (long tables are
    cut). Alone (without check_page) only where another test checks the same page with axe."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = min(await page.evaluate("document.documentElement.scrollHeight"), 3000)
    await page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": 1200, "height": height},
    )


async def sign_in(page, email: str, password: str) -> None:
    """The password, then (for accounts made by make_account) the authenticator app's code."""
    await page.goto("/sign-in")
    await page.get_by_label("Email address").fill(email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    if "/sign-in/code" in page.url and email in TOTP_SECRETS:
        await page.get_by_label("Enter the code from your authenticator app").fill(
            await totp_code(TOTP_SECRETS[email])
        )
        await page.get_by_role("button", name="Continue").click()
        await page.wait_for_load_state()
