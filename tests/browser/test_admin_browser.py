"""In a real browser: the administration pages and the DPO's audit log, each checked with
axe-core and screenshotted."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page
from tests.pages.conftest import make_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def people(live_db):
    conn = await connect(live_db)
    try:
        return {
            "admin": await make_account(conn, role="admin", authority=None, name="Ada Admin"),
            "dpo": await make_account(conn, role="dpo", name="Dee Protection"),
        }
    finally:
        await conn.close()


async def test_an_administrator_manages_accounts_and_mailboxes(browser, live, people, cookies):
    async with new_page(
        browser, live, storage_state=await cookies(people["admin"]["email"])
    ) as page:
        await page.goto("/")
        await page.get_by_role("link", name="Users", exact=True).first.click()
        await check_page(page, "admin-users")
        await page.get_by_role("button", name="Add a user").click()
        await page.get_by_role("button", name="Add user").click()
        assert "There is a problem" in await page.locator(".govuk-error-summary").inner_text()
        await check_page(page, "admin-new-user-errors")

        await page.goto("/admin/authorities/E08000018")
        await page.get_by_label("Alert mailbox").fill("licensing@rotherham.gov.uk")
        await page.get_by_label("Once a day, in a digest").check()
        await page.get_by_role("button", name="Save settings").click()
        assert "alert settings have been saved" in await page.inner_text("main")
        await check_page(page, "admin-authorities")


async def test_an_administrator_issues_a_token_and_sees_it_once(browser, live, people, cookies):
    async with new_page(
        browser, live, storage_state=await cookies(people["admin"]["email"])
    ) as page:
        await page.goto("/admin/users")
        await page.get_by_role("link", name="API tokens for Dee Protection").click()
        await page.get_by_role("button", name="Issue a token").click()
        await page.get_by_label("What the token is for").fill("Back-office licensing system")
        await page.get_by_role("button", name="Issue token").click()
        token = await page.get_by_label("API token").input_value()
        await check_page(page, "admin-token-issued")
        await page.get_by_role("button", name="I have copied it").click()
        listing = await page.inner_text("main")
        await check_page(page, "admin-tokens")

    assert token.startswith("cc_") and token not in listing
    assert "Back-office licensing system" in listing


async def test_a_dpo_reads_the_audit_log(browser, live, people, cookies):
    async with new_page(browser, live, storage_state=await cookies(people["dpo"]["email"])) as page:
        await page.goto("/")
        await page.get_by_role("link", name="Audit log").first.click()
        await check_page(page, "audit-log")
