"""In a real browser: the administration pages and the DPO's audit log, each checked with
axe-core and screenshotted."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page, sign_in
from tests.pages.conftest import PASSWORD, make_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def people(live_db):
    conn = await connect(live_db)
    try:
        return {"admin": await make_account(conn, role="admin", authority=None, name="Ada Admin"),
                "dpo": await make_account(conn, role="dpo", name="Dee Protection")}
    finally:
        await conn.close()


async def test_an_administrator_manages_accounts_and_mailboxes(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["admin"]["email"], PASSWORD)
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


async def test_a_dpo_reads_the_audit_log(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["dpo"]["email"], PASSWORD)
        await page.get_by_role("link", name="Audit log").first.click()
        await check_page(page, "audit-log")
