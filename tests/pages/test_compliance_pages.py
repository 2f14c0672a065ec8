"""A DfT analyst reads the compliance statistics by financial year, with the regions, a time
series and every authority, sorts and filters the table, and downloads CSV and ODS."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from odf.opendocument import load
from odf.table import Table, TableCell, TableRow

from licensing.pages.compliance import financial_years, quarters
from registry import compliance
from registry.today import london_today
from tests.factories import make_driver, make_licence
from tests.pages.conftest import make_account, sign_in


async def _licensed(conn, authority: str, home: str, count: int, starts_on: date) -> None:
    for n in range(count):
        driver = await make_driver(
            conn,
            forenames=f"Driver{authority[:4]}{n}",
            recorded_by=authority,
            home=home,
            date_of_birth=date(1980, 1, 1) + timedelta(days=n),
        )
        await make_licence(conn, driver, authority=authority, starts_on=starts_on)


def _last_year_start() -> date:
    label, _ = financial_years(compliance.london_today())[0]
    return date(int(label[:4]), 4, 1)


def _sheets(content: bytes) -> dict[str, list[list[str]]]:
    book = load(io.BytesIO(content))
    found = {}
    for table in book.spreadsheet.getElementsByType(Table):
        rows = []
        for row in table.getElementsByType(TableRow):
            rows.append([str(cell) for cell in row.getElementsByType(TableCell)])
        found[table.getAttribute("name")] = rows
    return found


async def test_a_dft_analyst_reads_the_last_financial_year_and_downloads_it(client, conn):
    start = _last_year_start()
    await _licensed(conn, "Wolverhampton", "Bolton", 12, start + timedelta(days=30))
    await _licensed(conn, "Sheffield", "Sheffield", 7, start + timedelta(days=60))
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)

    page = await client.get("/compliance")
    assert page.status_code == 200
    year = f"{start.year}-{(start.year + 1) % 100:02d}"
    assert f'<option value="{year}" selected' in page.text  # DfT publishes by financial year
    assert "31 March " + str(start.year + 1) in page.text  # counted at 31 March
    assert 'id="chart-out-of-area-caption"' in page.text and "<svg" in page.text
    assert "Wolverhampton: 100.0%" in page.text  # the chart's text alternative
    assert 'id="regions-caption"' in page.text and "Yorkshire and The Humber" in page.text
    assert 'id="series-caption"' in page.text
    assert "Not for publication" not in page.text  # published figures by default

    csv = await client.get(f"/compliance.csv?period={year}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert "Wolverhampton" in csv.text and "E12000005" in csv.text  # West Midlands' ONS code

    ods = await client.get(f"/compliance.ods?period={year}")
    assert ods.status_code == 200
    assert ods.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    sheets = _sheets(ods.content)
    assert list(sheets) == ["Cover_sheet", "Notes", "Table_1", "Table_2", "Table_3"]
    cover = [" ".join(row) for row in sheets["Cover_sheet"]]
    assert any("[c]" in line and "confidential" in line for line in cover)
    assert any(line.startswith("Table_3") for line in cover)
    assert sheets["Notes"][2] == ["Note number", "Note text"]
    authorities = {row[0]: row for row in sheets["Table_1"][4:]}
    header = sheets["Table_1"][3]
    assert authorities["E08000031"][header.index("Licensed drivers total")] == "12"
    assert "" not in authorities["E08000031"]  # no blank cells: GSS shorthand instead
    assert sheets["Table_3"][-1][0] == year


async def test_small_counts_are_hidden_unless_the_analyst_asks_for_exact_figures(client, conn):
    start = _last_year_start()
    await _licensed(conn, "Wolverhampton", "Bolton", 3, start + timedelta(days=10))
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)

    published = await client.get("/compliance?region=West+Midlands")
    row = re.search(r"Wolverhampton</th>.*?</tr>", published.text, re.S).group(0)
    assert "[c]" in row and ">3<" not in row

    exact = await client.get("/compliance?region=West+Midlands&exact=true")
    row = re.search(r"Wolverhampton</th>.*?</tr>", exact.text, re.S).group(0)
    assert ">3<" in row
    assert "Exact figures: not for publication" in exact.text


async def test_the_table_sorts_and_filters_without_javascript(client, conn):
    start = _last_year_start()
    await _licensed(conn, "Wolverhampton", "Wolverhampton", 5, start + timedelta(days=10))
    await _licensed(conn, "Walsall", "Walsall", 9, start + timedelta(days=10))
    await _licensed(conn, "Sheffield", "Sheffield", 6, start + timedelta(days=10))
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)

    page = await client.get(
        "/compliance?exact=true&region=West+Midlands&sort=licensed_drivers_total&order=descending"
    )
    names = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', page.text)
    authorities = names[names.index("Walsall") :]
    assert authorities[:2] == ["Walsall", "Wolverhampton"]  # 9 before 5
    assert "Sheffield" not in authorities  # another region
    assert 'aria-sort="descending"' in page.text

    by_name = await client.get("/compliance?exact=true&name=wolver")
    assert "1 of 286 authorities shown" in by_name.text


async def test_an_officer_cannot_read_the_national_summary(client, officer):
    await sign_in(client, officer)
    assert (await client.get("/compliance")).status_code == 403
    assert (await client.get("/compliance.ods")).status_code == 403


async def test_a_period_not_offered_is_an_error_on_the_form(client, conn):
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)
    page = await client.get("/compliance?period=1999-Q1")
    assert page.status_code == 400
    assert 'href="#period">Select one of the periods listed' in page.text
    assert quarters(london_today())[0][0] in page.text  # the quarters are still offered
