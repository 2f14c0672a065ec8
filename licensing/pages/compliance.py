"""The compliance summary for the Department for Transport: charts drawn on the server (out
of area share by authority, search compliance), the figures per authority, and the CSV.

Aggregates only: no page here shows personal data. The summary runs exactly as the API's
(licensing.summaries: its own small pool, read-only, with a time limit)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from litestar import Request, Response, get

from licensing import auth
from licensing.pages.forms import Form
from licensing.pages.render import page
from licensing.summaries import national, national_csv
from registry import compliance

readers = auth.requires("dft_analyst", "admin")
CHART_ROWS = 20


def quarters(today: date, count: int = 8) -> list[tuple[str, str]]:
    """The last `count` complete calendar quarters, newest first ('2026-Q2', 'April to June
    2026'), then the quarter in progress, so far."""
    names = {
        1: "January to March",
        2: "April to June",
        3: "July to September",
        4: "October to December",
    }
    year, quarter = today.year, (today.month - 1) // 3 + 1
    current = (f"{year}-Q{quarter}", f"{names[quarter]} {year}, so far")
    found = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        found.append((f"{year}-Q{quarter}", f"{names[quarter]} {year}"))
    return found + [current]


def _choice(request: Request) -> tuple[Form, str, bool]:
    options = quarters(compliance.london_today())
    form = Form(
        {
            key: [value]
            for key, value in request.query_params.items()
            if key in ("quarter", "suppress")
        }
    )
    quarter = form.get("quarter") or options[0][0]
    if quarter not in dict(options):
        form.add_error("quarter", "Select one of the quarters listed")
        quarter = options[0][0]
    return form, quarter, form.get("suppress") == "true"


@get("/compliance", guards=[readers], opt=auth.NO_PERSONAL_DATA)
async def summary_page(request: Request) -> Response:
    form, quarter, suppress = _choice(request)
    summary = await national(request.app.state, quarter, suppress="true" if suppress else None)
    out_of_area = [(r.name, r.pct) for r in summary.national.ranking_out_of_area[:CHART_ROWS]]
    # the least compliant first: the authorities DfT would want to ask about
    searched = sorted(summary.national.ranking_search_compliance, key=lambda r: (r.pct, r.name))
    searched = [(r.name, r.pct) for r in searched[:CHART_ROWS]]
    query = urlencode({"quarter": quarter, **({"suppress": "true"} if suppress else {})})
    return page(
        "compliance.html",
        request,
        status_code=200 if form.ok else 400,
        title="Compliance summary",
        form=form,
        quarters=quarters(compliance.london_today()),
        quarter=quarter,
        summary=summary,
        totals=summary.national.totals,
        out_of_area=out_of_area,
        searched=searched,
        csv_href=f"/compliance.csv?{query}",
        chart_rows=CHART_ROWS,
    )


@get("/compliance.csv", guards=[readers], opt=auth.NO_PERSONAL_DATA)
async def summary_csv(request: Request) -> Response:
    _, quarter, suppress = _choice(request)
    return await national_csv(request.app.state, quarter, suppress="true" if suppress else None)


ROUTES = [summary_page, summary_csv]
