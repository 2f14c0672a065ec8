"""In a real browser: signing in, the error summary, signing out."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page, sign_in
from tests.pages.conftest import PASSWORD, make_account

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
