"""In a real browser, an officer's journey keeps its place: Back from a record returns to the
same search results, and each write returns to the record, opened for the same purpose and
case, with a banner saying what was recorded."""

from __future__ import annotations

from datetime import date

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page
from tests.factories import make_driver, make_licence
from tests.pages.conftest import make_account

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def story(live_db):
    conn = await connect(live_db)
    try:
        officer = await make_account(conn, name="Rita Rotherham", email="rita@rotherham.gov.uk")
        driver_id = await make_driver(
            conn,
            forenames="Yusuf",
            surname="Osman",
            date_of_birth=date(1984, 9, 12),
            recorded_by="Rotherham",
            home="Rotherham",
        )
        await make_licence(conn, driver_id, authority="Rotherham", number="ROT-PH-1")
        return {"officer": officer, "driver_id": driver_id, "db": live_db}
    finally:
        await conn.close()


async def search_for_yusuf(page) -> None:
    await page.goto("/search")
    await page.get_by_label("Renewal").check()
    await page.get_by_label("Case reference").fill("ROT/REN/31")
    await page.get_by_label("Forenames").fill("Yousef")
    await page.get_by_label("Surname").fill("Osman")
    await page.get_by_label("Day").fill("12")
    await page.get_by_label("Month").fill("9")
    await page.get_by_label("Year").fill("1984")
    await page.get_by_role("button", name="Search").click()
    await page.wait_for_load_state()


async def banner(page) -> str:
    found = page.locator(".govuk-notification-banner--success")
    assert await found.is_visible()
    return await found.inner_text()


async def test_back_from_a_record_returns_to_the_same_results(browser, live, story, cookies):
    async with new_page(
        browser, live, storage_state=await cookies(story["officer"]["email"])
    ) as page:
        await search_for_yusuf(page)
        assert "1 driver found" in await page.inner_text("main")
        results = page.url
        await page.get_by_role("link", name="Yusuf Osman").click()
        await page.wait_for_load_state()
        assert "Licences at every authority" in await page.inner_text("main")

        await page.go_back()
        await page.wait_for_load_state()
        assert page.url == results
        assert "1 driver found" in await page.inner_text("main")
        assert await page.get_by_label("Case reference").input_value() == "ROT/REN/31"

        await page.go_forward()
        await page.wait_for_load_state()
        await page.get_by_role("link", name="Back to search results").click()
        await page.wait_for_load_state()
        assert page.url == results
        assert "Yusuf Osman" in await page.inner_text("main")
        await check_page(page, "search-results")

    conn = await connect(story["db"])
    try:
        searches = await conn.fetch(
            "SELECT purpose, case_reference FROM audit_log WHERE action = 'search' "
            "AND user_id = $1",
            story["officer"]["id"],
        )
    finally:
        await conn.close()
    # each time the results were shown the search ran and was logged, with its purpose
    assert len(searches) == 3
    assert {(s["purpose"], s["case_reference"]) for s in searches} == {("renewal", "ROT/REN/31")}


async def test_each_write_returns_to_the_record_with_a_banner(browser, live, story, cookies):
    async with new_page(
        browser, live, storage_state=await cookies(story["officer"]["email"])
    ) as page:
        await search_for_yusuf(page)
        await page.get_by_role("link", name="Yusuf Osman").click()
        await page.wait_for_load_state()
        record = page.url.split("&done=")[0]

        async def back_on_the_record(expected: str) -> None:
            await page.wait_for_load_state()
            main = await page.inner_text("main")
            assert "Opened for: renewal, case ROT/REN/31" in main
            assert expected in await banner(page)
            assert await page.get_by_role("link", name="Back to search results").is_visible()

        await page.get_by_role("button", name="Add another name").click()
        await page.get_by_label("Another name they are known by").check()
        await page.get_by_label("Forenames").fill("Yousef")
        await page.get_by_label("Surname").fill("Osman")
        await page.get_by_role("button", name="Add name").click()
        await back_on_the_record("Name added")
        await check_page(page, "record-banner")

        await page.goto(record)
        await page.get_by_role("button", name="Record a register decision").click()
        await page.get_by_label("Refused a renewal").check()
        await page.get_by_label("Private hire driver", exact=True).check()
        await page.get_by_label("Sexual offence").check()
        for field, value in (("decided_on", "2"), ("effective_on", "2")):
            await page.locator(f"#{field}-day").fill(value)
            await page.locator(f"#{field}-month").fill("11")
            await page.locator(f"#{field}-year").fill("2026")
        await page.get_by_role("button", name="Record decision").click()
        await back_on_the_record("Register decision recorded")
        text = await banner(page)
        number = text.split("entry number is ")[1].split(".")[0]
        assert number.startswith("E") and number in await page.inner_text("main")

        await page.get_by_role("link", name="Record a later change").click()
        await page.get_by_label("Appeal allowed").check()
        await page.get_by_label("Why").fill("The magistrates allowed the appeal")
        await page.get_by_role("button", name="Save change").click()
        await back_on_the_record(f"Change to register entry {number} recorded")

        await page.get_by_role("link", name="Change licence ROT-PH-1").click()
        await page.get_by_label("Renew it").check()
        await page.get_by_role("button", name="Save change").click()
        await back_on_the_record("Licence change recorded")

        await page.get_by_role("button", name="Change details").click()
        await page.get_by_role("button", name="Save changes").click()
        await back_on_the_record("Driver's details changed")


async def test_a_printed_record_is_marked_and_says_who_printed_it_and_why(
    browser, live, story, cookies
):
    async with new_page(
        browser, live, storage_state=await cookies(story["officer"]["email"])
    ) as page:
        await page.goto(
            f"/drivers/{story['driver_id'].public}?purpose=renewal&case_reference=ROT/REN/31"
        )
        print_link = page.get_by_role("link", name="Print this record")
        assert await print_link.is_visible()
        assert not await page.locator(".app-protective-marking").first.is_visible()

        await page.emulate_media(media="print")
        marks = page.locator(".app-protective-marking")
        assert await marks.count() == 2 and await marks.first.is_visible()
        assert await marks.first.inner_text() == "OFFICIAL-SENSITIVE"
        printed = await page.locator("#printed-by").inner_text()
        assert printed.startswith("Printed by Rita Rotherham (Rotherham) on ")
        assert printed.endswith("for: renewal, case ROT/REN/31.")
        for chrome in (
            ".govuk-header",
            ".govuk-service-navigation",
            ".govuk-phase-banner",
            ".govuk-back-link",
            ".govuk-button-group",
            ".govuk-footer",
        ):
            assert not await page.locator(chrome).first.is_visible(), chrome
        assert not await print_link.is_visible()
        assert not await page.get_by_role("link", name="Change licence ROT-PH-1").is_visible()
        assert "Licences at every authority" in await page.inner_text("main")
        await check_page(page, "record-print")


async def test_back_after_correcting_a_form_shows_the_form_again(browser, live, story, cookies):
    """An officer in Rotherham records a driver with a date of birth in the future, sees the
    error, corrects it and is taken to the driver; Back then shows the form page, not the
    browser's "Confirm Form Resubmission" (the error page was the answer to a POST)."""
    async with new_page(
        browser, live, storage_state=await cookies(story["officer"]["email"])
    ) as page:
        await page.goto("/drivers/new")
        await page.get_by_label("Forenames").fill("Zofia")
        await page.get_by_label("Surname").fill("Wozniak")
        await page.get_by_label("Day").fill("14")
        await page.get_by_label("Month").fill("2")
        await page.get_by_label("Year").fill(str(date.today().year + 1))
        await page.get_by_label("Home authority").select_option(label="Rotherham")
        await page.get_by_role("button", name="Record driver").click()
        await page.wait_for_load_state()
        summary = await page.locator(".govuk-error-summary").inner_text()
        assert "date of birth" in summary

        await page.get_by_label("Year").fill("1988")
        await page.get_by_role("button", name="Record driver").click()
        await page.wait_for_load_state()
        assert "/drivers/" in page.url and "/licences/new" in page.url
        assert "Zofia Wozniak has been recorded" in await page.inner_text("main")

        await page.go_back()
        await page.wait_for_load_state()
        assert page.url.endswith("/drivers/new")
        heading = page.get_by_role("heading", name="Record a driver", level=1)
        assert await heading.is_visible()
        await check_page(page)
