"""In a real browser, an officer's work: paging through 500 alerts with the total in view,
acknowledging several at once, and the home page's work lists filtered and sorted, with and
without JavaScript; every page passes axe-core."""

from __future__ import annotations

import re

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page
from tests.pages.conftest import make_account
from tests.worklist_support import sent_alerts, work_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def officer(live_db):
    conn = await connect(live_db)
    try:
        await sent_alerts(conn, "Rotherham", 500)
        await work_for(conn, "Rotherham")
        return await make_account(
            conn, authority="Rotherham", name="Rhys Rowe", email="rhys@rotherham.gov.uk"
        )
    finally:
        await conn.close()


async def test_an_officer_pages_through_500_alerts_and_acknowledges_several(
    browser, live, officer, cookies
):
    async with new_page(browser, live, storage_state=await cookies(officer["email"])) as page:
        await page.goto("/")
        nav = page.get_by_role("navigation", name="Menu").get_by_role(
            "link", name=re.compile(r"^Alerts")
        )
        assert "500" in await nav.inner_text()
        await nav.click()
        total = page.locator("#alerts-total")
        assert "Showing 1 to 50 of 500 alerts" in await total.inner_text()
        assert await page.locator(".app-alert-row").count() == 50
        await check_page(page, "alerts-500")
        for n in range(2, 11):
            await page.get_by_role("link", name="Next page").click()
            assert f"Showing {(n - 1) * 50 + 1} to {n * 50} of 500" in await total.inner_text()
        assert await page.get_by_role("link", name="Next page").count() == 0
        await check_page(page)

        rows = page.locator(".app-alert-row")
        for i in (0, 1, 2):
            await rows.nth(i).get_by_role("checkbox").check()
        await page.get_by_role("button", name="Acknowledge the chosen alerts").click()
        assert "3 alerts have been acknowledged" in await page.inner_text("main")
        # back on the same page, with the total and the navigation's count one step on
        assert "Showing 451 to 497 of 497" in await total.inner_text()
        assert "497" in await nav.inner_text()
        await check_page(page, "alerts-acknowledged-several")

        await page.get_by_label("Show").select_option("acknowledged")
        await page.get_by_role("button", name="Apply filter").click()
        assert "Showing 1 to 3 of 3 alerts" in await total.inner_text()


async def test_the_work_list_filters_and_sorts_without_javascript(browser, live, officer, cookies):
    signed_in = await cookies(officer["email"])
    async with new_page(browser, live, storage_state=signed_in) as page:
        await page.goto("/")
        main = await page.inner_text("main")
        assert "Information requests to answer" in main and "(1 overdue)" in main
        await check_page(page, "work-home")
    async with new_page(browser, live, javascript=False, storage_state=signed_in) as page:
        await page.goto("/")
        await page.get_by_role("link", name="View licences expiring in the next 60 days").click()
        rows = page.locator("tbody tr")
        assert "EXP-SOON-1" in await rows.first.inner_text()
        await page.get_by_role(
            "link", name=re.compile(r"^Expires")
        ).click()  # ascending: now descending
        assert "EXP-SOON-2" in await rows.first.inner_text()
        await page.get_by_label("Show").select_option("month")
        await page.get_by_role("button", name="Apply filter").click()
        assert await rows.count() == 1 and "EXP-SOON-1" in await rows.first.inner_text()
        await page.goto("/work/requests-due")
        assert "overdue" in (await page.inner_text("main")).lower()
