"""The main story, in a real browser: a Wolverhampton officer searches for a driver Bolton
recorded under another spelling, licenses him (he lives in Bolton), and Bolton's officer sees
the alert arrive and acknowledges it; a DfT analyst downloads the compliance CSV. Every page
on the way passes axe-core and is screenshotted for review."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, free_port, new_page, screenshot, sign_in
from tests.factories import make_driver, make_licence
from tests.pages.conftest import PASSWORD, make_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """The service as in the demo: its scheduler sends alerts every half second to the local
    mailbox (a real SMTP server inside the service)."""
    return {
        "CROSSCHECK_SCHEDULER": "true",
        "CROSSCHECK_DEMO_MAILBOX": "true",
        "SMTP_PORT": str(free_port()),
        "ALERT_INTERVAL_SECONDS": "0.5",
    }


@pytest.fixture(scope="module")
async def people(live_db):
    conn = await connect(live_db)
    try:
        await conn.execute(
            "UPDATE authority SET alert_email = 'licensing@bolton.gov.uk' WHERE name = 'Bolton'"
        )
        driver_id = await make_driver(
            conn,
            forenames="Muhammad",
            surname="Khan",
            date_of_birth=date(1985, 3, 2),
            recorded_by="Bolton",
            gb_licence_number="KHAN9803025M99AB",
        )
        await make_licence(conn, driver_id, authority="Bolton", number="BOL-PH-1201")
        return {
            "wolverhampton": await make_account(
                conn,
                authority="Wolverhampton",
                name="Wendy Walsh",
                email="wendy.walsh@wolverhampton.gov.uk",
            ),
            "bolton": await make_account(
                conn, authority="Bolton", name="Bilal Ahmed", email="bilal.ahmed@bolton.gov.uk"
            ),
            "dft": await make_account(
                conn,
                role="dft_analyst",
                authority=None,
                name="Dana Field",
                email="dana.field@dft.gov.uk",
            ),
            "admin": await make_account(
                conn,
                role="admin",
                authority=None,
                name="Ada Admin",
                email="ada.admin@crosscheck.gov.uk",
            ),
            "driver_id": driver_id,
        }
    finally:
        await conn.close()


async def an_officer_finds_a_driver_recorded_elsewhere_and_licenses_him(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["wolverhampton"]["email"], PASSWORD)
        await page.get_by_role("link", name="Search", exact=True).first.click()
        await check_page(page, "search")

        await page.get_by_label("New application").check()
        await page.get_by_label("Case reference").fill("WOL/2026/0815")
        await page.get_by_label("Forenames").fill("Mohammed")
        await page.get_by_label("Surname").fill("Khan")
        await page.get_by_label("Day").fill("2")
        await page.get_by_label("Month").fill("3")
        await page.get_by_label("Year").fill("1985")
        await page.get_by_role("button", name="Search").click()
        results = await page.inner_text("main")
        assert "1 driver found" in results
        # Mohammed for Muhammad is a transliteration: the match model bands it by its evidence
        # (docs/identity.md), and says why
        assert "match" in results and "Why it matched" in results and "Bolton" in results
        await check_page(page, "search-results")

        await page.get_by_role("link", name="Muhammad Khan").click()
        record = await page.inner_text("main")
        assert "Licences at every authority" in record and "BOL-PH-1201" in record
        await check_page(page, "driver-record")

        await page.get_by_role("button", name="Record a licence").click()
        await page.get_by_label("Licence number").fill("WOL-PH-88001")
        await page.get_by_label("Private hire driver").check()
        await page.locator("#granted_on-day").fill(str(date.today().day))
        await page.locator("#granted_on-month").fill(str(date.today().month))
        await page.locator("#granted_on-year").fill(str(date.today().year))
        await check_page(page, "licence-form")
        await page.get_by_role("button", name="Record licence").click()
        done = await page.inner_text("main")
        assert "Licence recorded" in done and "Bolton will be alerted" in done
        await check_page(page, "licence-recorded")


async def the_home_authority_sees_the_alert_arrive_and_acknowledges_it(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["bolton"]["email"], PASSWORD)
        # the navigation's link carries the count of alerts not yet acknowledged
        menu = page.get_by_role("navigation", name="Menu")
        await menu.get_by_role("link", name=re.compile(r"^Alerts")).click()
        # the scheduler turns the grant into an alert and emails it within a second or two
        alert = page.locator(".app-alert-row", has_text="Wolverhampton")
        deadline = time.monotonic() + 90
        while not await alert.count() and time.monotonic() < deadline:
            await page.wait_for_timeout(500)
            await page.reload()
        assert await alert.count() == 1, "no alert arrived"
        text = await alert.inner_text()
        assert "Khan" in text and "Private hire" in text
        await check_page(page, "alerts-inbox")

        await alert.get_by_role("button", name="Acknowledge").click()
        assert "The alert has been acknowledged" in await page.inner_text("main")
        assert "no alerts waiting" in await page.inner_text("main")
        await check_page(page, "alerts-acknowledged")


async def the_alert_email_landed_in_the_demo_mailbox(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["admin"]["email"], PASSWORD)
        await page.get_by_role("link", name="Demo mailbox").click()
        main = await page.inner_text("main")
        assert "licensing@bolton.gov.uk" in main
        await check_page(page, "demo-mailbox")


async def a_dft_analyst_reads_the_compliance_charts_and_downloads_the_csv(browser, live, people):
    async with new_page(browser, live) as page:
        await sign_in(page, people["dft"]["email"], PASSWORD)
        await page.get_by_role("link", name="Compliance", exact=True).first.click()
        await page.get_by_label("Period").select_option(label=_this_quarter())
        # one driver: published figures would hide him ([c]); DfT's own analysis sees them
        await page.get_by_label("Show exact figures, not for publication").check()
        await page.get_by_role("button", name="Show figures").click()
        chart = page.locator("#chart-out-of-area-desc")
        assert "Wolverhampton: 100.0%" in await chart.text_content()
        # axe on this page (every authority in one long table) is the costliest check of all;
        # the same exact-figures view is checked in test_compliance_browser.py, and the
        # published one in test_every_page_browser.py
        await screenshot(page, "compliance-story")

        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Download the figures as CSV").click()
        download = await waiting.value
        assert download.suggested_filename.startswith("compliance-summary-")
        content = open(await download.path(), encoding="utf-8-sig").read()
        assert "K04000001" in content and "Wolverhampton" in content


async def test_a_driver_licensed_out_of_area_reaches_his_home_council_and_dft(
    browser, live, people
):
    """One story, step by step on one live server: each step needs the one before, so they run
    as one test (parallel workers would otherwise split them)."""
    await an_officer_finds_a_driver_recorded_elsewhere_and_licenses_him(browser, live, people)
    await the_home_authority_sees_the_alert_arrive_and_acknowledges_it(browser, live, people)
    await the_alert_email_landed_in_the_demo_mailbox(browser, live, people)
    await a_dft_analyst_reads_the_compliance_charts_and_downloads_the_csv(browser, live, people)


def _this_quarter() -> str:
    from licensing.pages.compliance import quarters

    return quarters(date.today())[-1][1]
