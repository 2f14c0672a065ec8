"""The compliance statistics for the Department for Transport: by financial year (counted at 31
March, as DfT publishes) or by quarter, with the national totals, each ONS region, every
authority in a table that sorts and filters without JavaScript, a time series across financial
years, and downloads in CSV and ODS.

Aggregates only: no page here shows personal data. Disclosure control is on unless the analyst
asks for exact figures, which are marked as not for publication. The summary runs exactly as
the API's (licensing.summaries: its own small pool, read-only, with a time limit).
"""

from __future__ import annotations

import time
from datetime import date
from urllib.parse import urlencode

from litestar import Request, Response, get

from licensing import auth
from licensing.pages.forms import Form
from licensing.pages.render import page
from licensing.summaries import Asked, freshness, national, national_csv
from registry import compliance

readers = auth.requires("dft_analyst", "admin")
CHART_ROWS = 20
SERIES_YEARS = 5
SERIES_TTL_SECONDS = 300  # the time series' earlier years are kept this long between views

QUARTER_NAMES = {
    1: "January to March",
    2: "April to June",
    3: "July to September",
    4: "October to December",
}
# The table's columns: (field, heading, kind). Every headline measure of docs/compliance.md.
COLUMNS = [
    ("licensed_drivers_total", "Licensed drivers", "count"),
    ("out_of_area_drivers_pct", "Out of area", "share"),
    ("residents_licensed_elsewhere", "Residents licensed elsewhere", "count"),
    ("licences_granted_or_renewed", "Granted or renewed", "count"),
    ("granted_or_renewed_after_search_pct", "Searched first", "share"),
    ("register_searches_made", "Register searches", "count"),
    ("register_entries_made", "Entries made", "count"),
    ("alerts_received", "Alerts received", "count"),
    ("alerts_acknowledged", "Alerts acknowledged", "count"),
    ("alerts_median_hours_to_acknowledge", "Median hours to acknowledge", "median"),
    ("requests_received", "Requests received", "count"),
    ("requests_answered_within_20_working_days_pct", "Answered in 20 working days", "share"),
    ("requests_overdue_open_now", "Requests overdue now", "count"),
    ("concerns_made", "Concerns made", "count"),
    ("concerns_made_within_10_working_days_pct", "Concerns made in 10 working days", "share"),
    ("concerns_received", "Concerns received", "count"),
]
SORTS = {"name": "Authority"} | {field: heading for field, heading, _ in COLUMNS}


def quarters(today: date, count: int = 8) -> list[tuple[str, str]]:
    """The last `count` complete calendar quarters, newest first ('2026-Q2', 'April to June
    2026'), then the quarter in progress, so far."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    current = (f"{year}-Q{quarter}", f"{QUARTER_NAMES[quarter]} {year}, so far")
    found = []
    for _ in range(count):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        found.append((f"{year}-Q{quarter}", f"{QUARTER_NAMES[quarter]} {year}"))
    return found + [current]


def financial_years(today: date, count: int = SERIES_YEARS) -> list[tuple[str, str]]:
    """The last `count` complete financial years, newest first, then the one in progress."""
    this_year = compliance.financial_year_of(today)
    current = compliance.financial_year_label(this_year)
    found = [(current, f"Financial year {current}, so far")]
    for start in range(this_year - 1, this_year - 1 - count, -1):
        label = compliance.financial_year_label(start)
        found.append((label, f"Financial year {label}"))
    return found[1:] + found[:1]


def periods(today: date) -> list[tuple[str, str]]:
    return financial_years(today) + quarters(today)


def _asked(value: str, suppress: bool) -> Asked:
    if compliance.QUARTER.match(value):
        return Asked(quarter=value, suppress=suppress)
    return Asked(financial_year=value, suppress=suppress)


class Choice:
    """What the analyst asked for: period, exact or published figures, region, name, sort."""

    def __init__(self, request: Request) -> None:
        today = compliance.london_today()
        keys = ("period", "exact", "region", "name", "sort", "order")
        self.form = Form({k: [v] for k, v in request.query_params.items() if k in keys})
        options = dict(periods(today))
        default = compliance.last_complete_financial_year(today)
        self.period = self.form.get("period") or default
        if self.period not in options:
            self.form.add_error("period", "Select one of the periods listed")
            self.period = default
        self.period_name = options[self.period]
        self.form.values.setdefault("period", [self.period])  # the select shows what is shown
        self.suppress = self.form.get("exact") != "true"
        self.region = self.form.get("region")
        if self.region and self.region not in compliance.REGION_CODES:
            self.form.add_error("region", "Select one of the regions listed")
            self.region = ""
        self.name = self.form.get("name")[:60]
        self.sort = self.form.get("sort") or "name"
        if self.sort not in SORTS:
            self.sort = "name"
        self.descending = self.form.get("order") == "descending"

    def asked(self) -> Asked:
        return _asked(self.period, self.suppress)

    def query(self, **changes: str) -> str:
        values = {
            "period": self.period,
            "exact": "" if self.suppress else "true",
            "region": self.region,
            "name": self.name,
            "sort": self.sort,
            "order": "descending" if self.descending else "",
        } | changes
        return urlencode({k: v for k, v in values.items() if v})

    def download_query(self) -> str:
        return urlencode({"period": self.period, **({} if self.suppress else {"exact": "true"})})

    def rows(self, authorities: list[compliance.AuthoritySummary]):
        wanted = self.name.casefold()
        rows = [
            r
            for r in authorities
            if (not self.region or r.region == self.region) and wanted in r.name.casefold()
        ]

        def key(row: compliance.AuthoritySummary):
            value = getattr(row, self.sort)
            if self.sort == "name":
                return (0, value.casefold())
            # hidden and not-applicable cells go last whichever way the column is sorted
            return (0, -value if self.descending else value) if value is not None else (1, 0)

        rows.sort(key=lambda r: r.name.casefold())
        rows.sort(key=key)
        if self.sort == "name" and self.descending:
            rows.reverse()
        return rows

    def sort_links(self) -> dict[str, dict]:
        """Each column's heading link: ascending first, then the other way when it is sorted."""
        links = {}
        for field in SORTS:
            current = field == self.sort
            descending = current and not self.descending
            order = "descending" if descending else ""
            links[field] = {
                "href": "/compliance?" + self.query(sort=field, order=order) + "#authorities",
                "aria_sort": (
                    ("descending" if self.descending else "ascending") if current else "none"
                ),
            }
        return links


async def _series(
    request: Request, choice: Choice
) -> list[tuple[str, compliance.ComplianceSummary]]:
    """The national figures for the last financial years, oldest first. Each year's summary is
    kept for SERIES_TTL_SECONDS, so paging through the table does not count them again."""
    state = request.app.state
    cache: dict = state.setdefault("compliance_series", {})
    found = []
    for label, _ in reversed(financial_years(compliance.london_today())[:SERIES_YEARS]):
        key = (label, choice.suppress)
        kept = cache.get(key)
        if kept is None or time.monotonic() - kept[0] > SERIES_TTL_SECONDS:
            summary = await national(state, _asked(label, choice.suppress))
            kept = cache[key] = (time.monotonic(), summary)
        found.append((label, kept[1]))
    return found


@get("/compliance", guards=[readers], opt=auth.NO_PERSONAL_DATA)
async def summary_page(request: Request) -> Response:
    choice = Choice(request)
    read_from: dict[str, str] = {}
    summary = await national(request.app.state, choice.asked(), read_from)
    series = await _series(request, choice)
    out_of_area = [(r.name, r.pct) for r in summary.national.ranking_out_of_area[:CHART_ROWS]]
    # the least compliant first: the authorities DfT would want to ask about
    searched = sorted(summary.national.ranking_search_compliance, key=lambda r: (r.pct, r.name))
    searched = [(r.name, r.pct) for r in searched[:CHART_ROWS]]
    return page(
        "compliance.html",
        request,
        status_code=200 if choice.form.ok else 400,
        title="Compliance statistics",
        form=choice.form,
        choice=choice,
        periods=periods(compliance.london_today()),
        regions=[(name, name) for name in compliance.REGION_CODES],
        summary=summary,
        totals=summary.national.totals,
        rows=choice.rows(summary.authorities),
        columns=COLUMNS,
        sort_links=choice.sort_links(),
        series=[(label, s) for label, s in series if compliance.held_anything(s)],
        out_of_area=out_of_area,
        searched=searched,
        csv_href=f"/compliance.csv?{choice.download_query()}",
        ods_href=f"/compliance.ods?{choice.download_query()}",
        chart_rows=CHART_ROWS,
        freshness=freshness(read_from),
    )


@get("/compliance.csv", guards=[readers], opt=auth.NO_PERSONAL_DATA)
async def summary_csv(request: Request) -> Response:
    return await national_csv(request.app.state, Choice(request).asked())


@get("/compliance.ods", guards=[readers], opt=auth.NO_PERSONAL_DATA)
async def summary_ods(request: Request) -> Response:
    """The figures and the time series as an ODS spreadsheet, laid out as GSS asks."""
    choice = Choice(request)
    summary = await national(request.app.state, choice.asked())
    content = compliance.summary_ods(summary, await _series(request, choice))
    name = f"compliance-{summary.period_start}-{summary.period_end}.ods"
    return Response(
        content=content,
        media_type="application/vnd.oasis.opendocument.spreadsheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
