"""In a real browser: signing in, the error summary, signing out."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import BROWSER_TIMEOUT_MS, check_page, new_page, sign_in
from tests.pages.conftest import PASSWORD, make_account, totp_code

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def officer(live_db):
    conn = await connect(live_db)
    try:
        return await make_account(conn, name="Priya Shah", email="priya.shah@rotherham.gov.uk")
    finally:
        await conn.close()


async def test_an_officer_signs_in_and_out(browser, live, officer):
    async with new_page(browser, live) as page:
        await page.goto("/")
        assert page.url.endswith("/sign-in")
        await check_page(page, "sign-in")

        await page.get_by_role("button", name="Sign in").click()
        summary = page.locator(".govuk-error-summary")
        assert "Enter your email address" in await summary.inner_text()
        assert "Enter your password" in await summary.inner_text()
        assert await page.title() == "Error: Sign in – Crosscheck"
        await check_page(page, "sign-in-errors")

        await sign_in(page, officer["email"], PASSWORD)
        assert "Signed in as Priya Shah, Rotherham" in await page.inner_text("main")
        cookies = await page.context.cookies()
        session = next(c for c in cookies if c["name"] == "__Host-crosscheck")
        assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"
        await check_page(page, "home-officer")

        await page.get_by_role("button", name="Sign out").click()
        assert "You have signed out" in await page.inner_text("h1")
        await check_page(page, "signed-out")


async def test_gov_uk_frontend_runs_under_the_content_security_policy(browser, live):
    context = await browser.new_context(base_url=live.url)  # the CSP enforced, not bypassed
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        page = await context.new_page()
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        await page.goto("/sign-in")
        await page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
        # the password input's Show button is added by GOV.UK Frontend's JavaScript
        await page.get_by_role("button", name="Show password").wait_for()
        assert refused == []
    finally:
        await context.close()


async def test_an_officer_sets_up_the_authenticator_app_at_first_sign_in(browser, live):
    conn = await connect(live.settings.database_url)
    try:
        newcomer = await make_account(
            conn, name="Nia Newcomer", email="nia@rotherham.gov.uk", two_factor=False
        )
    finally:
        await conn.close()
    async with new_page(browser, live) as page:
        await page.goto("/sign-in")
        await page.get_by_label("Email address").fill(newcomer["email"])
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        assert await page.inner_text("h1") == "Set up your authenticator app"
        assert await page.locator("svg.segno").is_visible()  # the QR code, drawn in the page
        await check_page(page, "sign-in-set-up")

        await page.get_by_role("button", name="Continue").click()  # no code yet
        assert "Enter the code from your authenticator app" in await page.inner_text(
            ".govuk-error-summary"
        )
        await page.get_by_text("I cannot scan the QR code").click()
        key = (await page.inner_text("code.app-secret-key")).replace(" ", "")
        await page.get_by_label("Code from your authenticator app").fill(await totp_code(key))
        await page.get_by_role("button", name="Continue").click()
        assert await page.inner_text("h1") == "Your authenticator app is set up"
        assert await page.locator(".app-recovery-codes li").count() == 10
        await check_page(page, "sign-in-recovery-codes")

        await page.get_by_role("button", name="Continue").click()
        assert "Signed in as Nia Newcomer, Rotherham" in await page.inner_text("main")

        # the next sign-in asks for the app's code
        await page.get_by_role("button", name="Sign out").click()
        await page.goto("/sign-in")
        await page.get_by_label("Email address").fill(newcomer["email"])
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        assert page.url.endswith("/sign-in/code")
        await check_page(page, "sign-in-code")
        await page.get_by_label("Enter the code from your authenticator app").fill(
            await totp_code(key)
        )
        await page.get_by_role("button", name="Continue").click()
        assert "Signed in as Nia Newcomer, Rotherham" in await page.inner_text("main")
