"""A DfT analyst reads the compliance summary with its charts, and downloads the CSV."""

from __future__ import annotations

from datetime import date, timedelta

from licensing.pages.compliance import quarters
from tests.factories import make_driver, make_licence
from tests.pages.conftest import make_account, sign_in


async def test_a_dft_analyst_sees_the_charts_and_downloads_the_csv(client, conn):
    quarter, _ = quarters(date.today())[0]
    year, q = int(quarter[:4]), int(quarter[-1])
    in_quarter = date(year, 3 * q - 2, 15)
    for n in range(3):
        driver = await make_driver(
            conn,
            forenames=f"Driver{n}",
            recorded_by="Wolverhampton",
            home="Bolton",
            date_of_birth=date(1980, 1, 1) + timedelta(days=n),
        )
        await make_licence(conn, driver, authority="Wolverhampton", starts_on=in_quarter)
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)
    page = await client.get("/compliance")
    assert page.status_code == 200
    assert 'id="chart-out-of-area-caption"' in page.text and "<svg" in page.text
    assert "Wolverhampton: 100.0%" in page.text  # the chart's text alternative
    csv = await client.get(f"/compliance.csv?quarter={quarter}")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert "Wolverhampton" in csv.text


async def test_an_officer_cannot_read_the_national_summary(client, officer):
    await sign_in(client, officer)
    assert (await client.get("/compliance")).status_code == 403


async def test_a_quarter_not_offered_is_an_error_on_the_form(client, conn):
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)
    page = await client.get("/compliance?quarter=1999-Q1")
    assert (
        page.status_code == 400 and 'href="#quarter">Select one of the quarters listed' in page.text
    )
