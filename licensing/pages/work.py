"""An officer's work lists: requests to answer, concerns awaiting a reply and licences about to
expire, each a page at a time, filtered and sorted by links and a GET form (no JavaScript),
and downloaded as CSV with the same filter (the download is audited).

The lists and their statements are in registry/worklists.py; this module reads the address,
renders the table and writes the CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.auth import actor_of
from licensing.downloads import csv_response
from licensing.pages.render import LABELS, Conn, page
from registry import audit_log, worklists
from registry.actor import acting
from registry.today import london_today
from registry.worklists import WorkList


def _int(value: str | None, default: int = 1) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else default


class ListView:
    """What the address asks of a list (filters, sort, page), and links that change one."""

    def __init__(self, work: WorkList, request: Request, base: str) -> None:
        params = dict(request.query_params)
        self.work = work
        self.base = base
        self.filters = work.filters_of(params)
        self.sort = work.sort_of(params.get("sort"))
        self.page_number = _int(params.get("page"))
        # what every link starts from (a page draws a dozen links)
        self._values = {**self.filter_values, "sort": self.sort}
        self._defaults = {f.name: f.choices[0][0] for f in work.filters}
        self._defaults |= {"sort": work.default_sort, "page": 1}

    def query(self, **changes) -> str:
        values = {**self._values, **changes}
        kept = {k: v for k, v in values.items() if v is not None and self._defaults.get(k) != v}
        return "?" + urlencode(kept) if kept else ""

    def href(self, **changes) -> str:
        return self.base + self.query(**changes)

    def sort_href(self, key: str) -> str:
        """Sorting by a column: ascending first, then the other way round."""
        return self.href(sort="-" + key if self.sort == key else key, page=None)

    def aria_sort(self, key: str) -> str:
        if self.sort == key:
            return "ascending"
        if self.sort == "-" + key:
            return "descending"
        return "none"

    def csv_href(self) -> str:
        return self.base.rstrip("/") + "/export.csv" + self.query(page=None)

    @property
    def filter_values(self) -> dict[str, str]:
        return {f.name: v for f, v in zip(self.work.filters, self.filters, strict=True)}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_text(columns: tuple[tuple[str, str], ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _, heading in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
    return out.getvalue()


async def export(
    request: Request, conn: Conn, work: WorkList, view: ListView, rows: list[dict]
) -> Response:
    """A list as a CSV download, the export written to the audit log first."""
    me = request.user
    async with acting(conn, actor_of(request)):
        await audit_log.record(
            conn,
            action="export",
            user_id=me.user_id,
            authority_id=me.authority_id,
            subject=f"work_list:{work.name}",
            detail={**view.filter_values, "sort": view.sort, "rows": len(rows)},
        )
    return csv_response(
        csv_text(work.csv_columns, rows), f"{work.name}-{london_today().isoformat()}.csv"
    )


def _work_list(name: str) -> WorkList:
    work = worklists.WORK_LISTS.get(name)
    if work is None:
        raise NotFoundException()
    return work


@get("/work/{name:str}", guards=[auth.officer])
async def work_list(request: Request, conn: Conn, name: FromPath[str]) -> Response:
    work = _work_list(name)
    view = ListView(work, request, f"/work/{name}")
    found = await worklists.list_page(
        conn, work, request.user.authority_id, view.filters, view.sort, view.page_number
    )
    return page(
        "work_list.html",
        request,
        title=work.title,
        work=work,
        view=view,
        found=found,
        labels=LABELS,
    )


@get("/work/{name:str}/export.csv", guards=[auth.officer])
async def work_list_csv(request: Request, conn: Conn, name: FromPath[str]) -> Response:
    work = _work_list(name)
    view = ListView(work, request, f"/work/{name}")
    rows = await worklists.all_rows(conn, work, request.user.authority_id, view.filters, view.sort)
    return await export(request, conn, work, view, rows)


HOME_ROWS = 5


async def officer_work(request: Request, conn: Conn, authority_id: int) -> dict:
    """The officer's home: the counts (the navigation's too), and the first few items of each
    work list, whose totals the counts give."""
    counts = await worklists.counts(conn, authority_id)
    request.scope["nav_counts"] = {key: counts[key] for key in worklists.NAV_COUNT_KEYS}
    lists = []
    for work in worklists.WORK_LISTS.values():
        found = await worklists.list_page(
            conn,
            work,
            authority_id,
            work.filters_of({}),
            work.default_sort,
            1,
            size=HOME_ROWS,
            total=counts[work.count_key],
        )
        lists.append({"work": work, "found": found})
    return {"counts": counts, "lists": lists}


# A page handler with this in its opt reads the navigation's counts itself, on its own
# connection (set_nav_counts), instead of count_work taking a second one before it.
OWN_COUNTS = {"own_nav_counts": True}


async def set_nav_counts(request: Request, conn: Conn) -> str:
    """The counts the navigation shows an officer, read on the page's own connection; returns
    the authority's name, read with them."""
    counts = request.scope["nav_counts"] = await worklists.nav_counts(
        conn, request.user.authority_id
    )
    return counts["authority_name"]


async def count_work(request: Request) -> None:
    """Before an officer's page: the counts its navigation shows (unread alerts, requests to
    answer), unless the page reads them itself."""
    user = request.scope.get("user")
    if user is None or user.role != "licensing_officer" or request.method != "GET":
        return
    if request.route_handler.opt.get("own_nav_counts"):
        return
    async with request.app.state.pool.acquire() as conn:
        request.scope["nav_counts"] = await worklists.nav_counts(conn, user.authority_id)
