"""In a real browser: the recording forms show the GOV.UK error summary, pass axe-core, and
work with JavaScript turned off."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page
from tests.factories import make_driver, make_entry, make_licence
from tests.pages.conftest import make_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def story(live_db):
    conn = await connect(live_db)
    try:
        officer = await make_account(conn, name="Rita Rotherham", email="rita@rotherham.gov.uk")
        driver_id = await make_driver(conn, forenames="Amira", surname="Hussain")
        await make_licence(conn, driver_id, authority="Sheffield")
        await make_licence(conn, driver_id, authority="Rotherham")  # a reason to ask about her
        entry_id = await make_entry(conn, driver_id, authority="Sheffield")
        return {"officer": officer, "driver_id": driver_id, "entry_id": entry_id}
    finally:
        await conn.close()


async def test_each_recording_form_shows_its_errors_accessibly(browser, live, story, cookies):
    driver_id, entry_id = story["driver_id"], story["entry_id"]
    async with new_page(
        browser, live, storage_state=await cookies(story["officer"]["email"])
    ) as page:
        for name, path, button in (
            ("form-driver", "/drivers/new", "Record driver"),
            ("form-licence", f"/drivers/{driver_id.public}/licences/new", "Record licence"),
            ("form-decision", f"/drivers/{driver_id.public}/entries/new", "Record decision"),
            ("form-concern", f"/drivers/{driver_id.public}/concerns/new", "Send report"),
            ("form-request", f"/entries/{entry_id}/requests/new", "Send request"),
        ):
            await page.goto(path)
            await check_page(page)
            await page.get_by_role("button", name=button).click()
            await page.wait_for_load_state()
            summary = page.locator(".govuk-error-summary")
            assert await summary.is_visible(), path
            # GOV.UK Frontend moves focus to the summary so screen readers announce it
            await page.wait_for_function(
                "document.activeElement?.classList.contains('govuk-error-summary')"
            )
            await check_page(page, name + "-errors")


async def test_a_driver_and_licence_are_recorded_without_javascript(browser, live, story, cookies):
    signed_in = await cookies(story["officer"]["email"])
    async with new_page(browser, live, javascript=False, storage_state=signed_in) as page:
        await page.goto("/drivers/new")
        await page.get_by_label("Forenames").fill("Tomasz")
        await page.get_by_label("Surname").fill("Nowak")
        await page.get_by_label("Day").fill("3")
        await page.get_by_label("Month").fill("11")
        await page.get_by_label("Year").fill("1979")
        await page.get_by_label("Home authority").select_option(label="Doncaster")
        await page.get_by_role("button", name="Record driver").click()
        assert "Tomasz Nowak has been recorded" in await page.inner_text("main")
        await page.get_by_label("Licence number").fill("ROT-HC-77")
        await page.get_by_label("Hackney carriage driver").check()
        await page.locator("#granted_on-day").fill("1")
        await page.locator("#granted_on-month").fill("4")
        await page.locator("#granted_on-year").fill("2026")
        await page.get_by_role("button", name="Record licence").click()
        main = await page.inner_text("main")
        assert "Licence recorded" in main
        assert "Doncaster will be alerted" in main
