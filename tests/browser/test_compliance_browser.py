"""In a real browser: a DfT analyst reads the statistics for the last financial year, sorts and
filters the table of authorities (with JavaScript and without it), and downloads the
spreadsheet, which opens with a spreadsheet library and holds its cover sheet and notes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from odf.opendocument import load
from odf.table import Table

from licensing.db import connect
from tests.browser.conftest import check_page, new_page
from tests.pages.conftest import make_account
from tests.pages.test_compliance_pages import _last_year_start, _licensed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def analyst(live_db):
    conn = await connect(live_db)
    try:
        start = _last_year_start() + timedelta(days=20)
        await _licensed(conn, "Wolverhampton", "Bolton", 6, start)
        await _licensed(conn, "Walsall", "Walsall", 9, start)
        await _licensed(conn, "Sheffield", "Sheffield", 7, start)
        return await make_account(conn, role="dft_analyst", authority=None, name="Dana Analyst")
    finally:
        await conn.close()


def _authorities(page):
    return page.locator("#authorities-table tbody tr:visible th")


async def test_an_analyst_sorts_and_filters_the_authorities_in_place(
    browser, live, analyst, cookies
):
    async with new_page(browser, live, storage_state=await cookies(analyst["email"])) as page:
        await page.goto("/compliance?exact=true")
        await check_page(page, "compliance")
        heading = page.locator("#authorities-table thead th", has_text="Licensed drivers")
        await heading.get_by_role("link").click()  # ascending, then
        await heading.get_by_role("link").click()  # the most first
        assert await heading.get_attribute("aria-sort") == "descending"
        assert (await _authorities(page).all_inner_texts())[:3] == [
            "Walsall",
            "Sheffield",
            "Wolverhampton",
        ]
        assert "sort=licensed_drivers_total" in page.url and "order=descending" in page.url
        await page.get_by_label("Authority name contains").fill("walsa")
        assert await _authorities(page).all_inner_texts() == ["Walsall"]


async def test_without_javascript_the_same_table_sorts_and_filters(browser, live, analyst, cookies):
    signed_in = await cookies(analyst["email"])
    async with new_page(browser, live, javascript=False, storage_state=signed_in) as page:
        await page.goto("/compliance?exact=true")
        heading = page.locator("#authorities-table thead th", has_text="Licensed drivers")
        await heading.get_by_role("link").click()
        await (
            page.locator("#authorities-table thead th", has_text="Licensed drivers")
            .get_by_role("link")
            .click()
        )
        names = await _authorities(page).all_inner_texts()
        assert names[:3] == ["Walsall", "Sheffield", "Wolverhampton"]
        await page.get_by_label("Region", exact=True).select_option("Yorkshire and The Humber")
        await page.get_by_role("button", name="Show figures").click()
        names = await _authorities(page).all_inner_texts()
        assert names[0] == "Sheffield" and "Walsall" not in names


async def test_an_analyst_downloads_the_spreadsheet(browser, live, analyst, cookies):
    async with new_page(browser, live, storage_state=await cookies(analyst["email"])) as page:
        await page.goto("/compliance")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Download the figures as a spreadsheet").click()
        download = await waiting.value
        assert download.suggested_filename.endswith(".ods")
        book = load(io.BytesIO((await download.path()).read_bytes()))
        sheets = [t.getAttribute("name") for t in book.spreadsheet.getElementsByType(Table)]
        assert sheets[:2] == ["Cover_sheet", "Notes"] and "Table_3" in sheets
