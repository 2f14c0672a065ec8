"""An officer's work lists: what their authority has to act on, each a page at a time with its
total, filtered and sorted by choices from a fixed list (never by SQL from the address).

Each list is one `WorkList`: a FROM/WHERE over the authority's rows, its filters (each a named
choice passed to the statement as text), the columns it sorts by, and the columns a CSV export
holds. The statements are built once, at import, from these parts, so every one is a module
constant that tests/test_sql.py prepares. Pages are numbered (page 3 of 11): one authority's
list holds thousands of rows at most, and an officer needs the total and the page number more
than a cursor's stability.

Parameters of every statement: $1 the authority, $2 today, $3.. the filters in order, then
(rows only) the sort, the limit and the offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from registry.duplicates.review import INTERESTED
from registry.today import london_today
from registry.workdays import working_days_between

Row = dict[str, Any]  # a list's row, by column name

PAGE_SIZE = 50
EXPORT_LIMIT = 20_000  # rows in one CSV download; more asks for a narrower filter
EXPIRING_WITHIN_DAYS = 60


@dataclass(frozen=True)
class Filter:
    name: str  # the query parameter
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, words); the first is the default


@dataclass(frozen=True)
class WorkList:
    name: str  # in the address: /work/NAME
    title: str
    noun: tuple[str, str]  # one, many: "request", "requests"
    select: str  # the columns, over the FROM/WHERE
    where: str  # FROM ... WHERE ..., with $1 the authority, $2 today, $3.. the filters
    filters: tuple[Filter, ...]
    sorts: dict[str, str]  # sort key -> SQL expression
    default_sort: str  # a key of sorts, '-' before it for the other way
    csv_columns: tuple[tuple[str, str], ...]  # (row key, heading)
    empty: str
    unique: str  # the column that ends every order: "r.id"
    count_key: str = ""  # its total with the default filter, in counts(): "requests_due"
    statements: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        first = len(self.filters) + 3
        order = ", ".join(
            f"CASE WHEN ${first} = '{key}' THEN {expr} END ASC, "
            f"CASE WHEN ${first} = '-{key}' THEN {expr} END DESC"
            for key, expr in self.sorts.items()
        )
        order_by = (
            f"ORDER BY {order}, "
            f"CASE WHEN ${first} LIKE '-%' THEN {self.unique} END DESC, {self.unique} "
            f"LIMIT ${first + 1} OFFSET ${first + 2}"
        )
        self.statements["count"] = f"SELECT count(*) {self.where}"
        self.statements["rows"] = f"SELECT {self.select} {self.where} {order_by}"
        # a page and the list's total in one statement (the total on every row)
        self.statements["page"] = (
            f"SELECT {self.select}, count(*) OVER () AS total_rows {self.where} {order_by}"
        )

    def sort_of(self, value: str | None) -> str:
        """The sort asked for ('due', or '-due' for the other way), else the default."""
        if value and value.removeprefix("-") in self.sorts:
            return value
        return self.default_sort

    def filters_of(self, params: dict[str, str]) -> list[str]:
        """Each filter's value as asked for, or its default when missing or unknown."""
        chosen = []
        for f in self.filters:
            value = params.get(f.name)
            chosen.append(value if value in dict(f.choices) else f.choices[0][0])
        return chosen


@dataclass
class ListPage:
    rows: list[Row]
    total: int
    page: int
    pages: int
    first: int  # the number of the first row shown, from 1 (0 when there are none)

    @property
    def shown_pages(self) -> list[int]:
        """The pages a pagination links to: the first, the last, this one and its neighbours."""
        near = (1, self.page - 1, self.page, self.page + 1, self.pages)
        return sorted({n for n in near if 1 <= n <= self.pages})


def _days_left(row: Row, today: date) -> Row:
    if row.get("due_on") is not None:
        due = row["due_on"]
        row["working_days_left"] = (
            working_days_between(today, due) if today <= due else -working_days_between(due, today)
        )
    if row.get("expires_on") is not None:
        row["days_left"] = (row["expires_on"] - today).days
    if row.get("reported_on") is not None:
        row["days_waiting"] = (today - row["reported_on"]).days
    return row


async def list_page(
    conn: asyncpg.Connection,
    work: WorkList,
    authority_id: int,
    filters: list[str],
    sort: str,
    page: int,
    *,
    today: date | None = None,
    size: int = PAGE_SIZE,
    total: int | None = None,
) -> ListPage:
    """One page of a list, with the total (counted unless given: the home page has it from
    counts()); a page past the end shows the last."""
    today = today or london_today()
    if total is None:
        rows, total, page = await _page_and_total(
            conn, work, (authority_id, today, *filters), sort, page, size
        )
    else:
        page = min(max(1, page), _pages(total, size))
        rows = await conn.fetch(
            work.statements["rows"], authority_id, today, *filters, sort, size, (page - 1) * size
        )
    offset = (page - 1) * size
    return ListPage(
        [_days_left(_row(r), today) for r in rows],
        total,
        page,
        _pages(total, size),
        offset + 1 if rows else 0,
    )


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _row(record: asyncpg.Record) -> Row:
    row = dict(record)
    row.pop("total_rows", None)
    return row


async def _page_and_total(
    conn: asyncpg.Connection,
    work: WorkList,
    where: tuple[Any, ...],
    sort: str,
    page: int,
    size: int,
) -> tuple[list[asyncpg.Record], int, int]:
    """The page asked for and the list's total in one statement (where: the authority, today
    and the filters). A page past the end has no rows to carry the total: then the list is
    counted and its last page read. Returns the rows, the total and the page shown."""
    page = max(1, page)
    rows = await conn.fetch(work.statements["page"], *where, sort, size, (page - 1) * size)
    if rows:
        return rows, rows[0]["total_rows"], page
    total = await conn.fetchval(work.statements["count"], *where)
    last = _pages(total, size)
    if total == 0 or last >= page:
        return [], total, min(page, last)
    return (
        await conn.fetch(work.statements["rows"], *where, sort, size, (last - 1) * size),
        total,
        last,
    )


async def all_rows(
    conn: asyncpg.Connection,
    work: WorkList,
    authority_id: int,
    filters: list[str],
    sort: str,
    *,
    today: date | None = None,
) -> list[Row]:
    """Every row the filter shows, in the page's order (a CSV export), up to EXPORT_LIMIT."""
    today = today or london_today()
    rows = await conn.fetch(
        work.statements["rows"], authority_id, today, *filters, sort, EXPORT_LIMIT, 0
    )
    return [_days_left(dict(r), today) for r in rows]


async def counts(
    conn: asyncpg.Connection, authority_id: int, today: date | None = None
) -> dict[str, int]:
    """How many items each list holds with its default filter (the navigation and home)."""
    row = await conn.fetchrow(COUNTS, authority_id, today or london_today(), EXPIRING_WITHIN_DAYS)
    return dict(row)


REQUESTS_DUE = WorkList(
    name="requests-due",
    title="Information requests to answer",
    noun=("request", "requests"),
    select="r.id, r.entry_id, req.name AS from_authority, r.case_reference, r.requested_on, "
    "r.due_on",
    where="""FROM information_request r JOIN authority req ON req.id = r.requesting_authority_id
WHERE r.recording_authority_id = $1 AND r.status = 'open'
  AND ($3 = 'all' OR ($3 = 'overdue' AND r.due_on < $2::date)
       OR ($3 = 'week' AND r.due_on < $2::date + 7))""",
    filters=(
        Filter(
            "show",
            "Show",
            (
                ("all", "All open requests"),
                ("overdue", "Overdue"),
                ("week", "Due within 7 days"),
            ),
        ),
    ),
    sorts={"due": "r.due_on", "asked": "r.requested_on", "from": "req.name"},
    default_sort="due",
    csv_columns=(
        ("id", "Request"),
        ("from_authority", "From"),
        ("case_reference", "Their case reference"),
        ("requested_on", "Asked on"),
        ("due_on", "Answer due"),
        ("working_days_left", "Working days left"),
    ),
    empty="No information requests are waiting for your answer.",
    unique="r.id",
    count_key="requests_due",
)

CONCERNS_AWAITING = WorkList(
    name="concerns",
    title="Concerns awaiting your reply",
    noun=("concern", "concerns"),
    select="c.id, (SELECT public_id FROM driver WHERE id = c.driver_id) AS driver_id, "
    "rep.name AS reported_by, c.categories, c.reported_on",
    where="""FROM concern c JOIN authority rep ON rep.id = c.reporting_authority_id
WHERE c.recipient_authority_id = $1 AND c.reply_on IS NULL
  AND ($3 = 'all' OR ($3 = 'old' AND c.reported_on < $2::date - 28)
       OR $3 = ANY (c.categories))""",
    filters=(
        Filter(
            "show",
            "Show",
            (
                ("all", "All concerns awaiting a reply"),
                ("old", "Waiting more than 4 weeks"),
                ("sexual_offence", "Sexual offence"),
                ("harassment", "Harassment"),
                ("harm", "Physical or psychological harm"),
                ("offence_risk_of_harm", "Offence with a risk of harm"),
                ("equality_act", "Equality Act 2010"),
                ("road_safety", "Road safety"),
            ),
        ),
    ),
    sorts={"reported": "c.reported_on", "from": "rep.name"},
    default_sort="reported",
    csv_columns=(
        ("id", "Concern"),
        ("reported_by", "Reported by"),
        ("categories", "Relevant information"),
        ("reported_on", "Reported on"),
        ("days_waiting", "Days waiting"),
    ),
    empty="No concerns are waiting for your reply.",
    unique="c.id",
    count_key="concerns_awaiting",
)

EXPIRING_LICENCES = WorkList(
    name="expiring",
    title=f"Licences expiring in the next {EXPIRING_WITHIN_DAYS} days",
    noun=("licence", "licences"),
    select="l.id, (SELECT public_id FROM driver WHERE id = l.driver_id) AS driver_id, "
    "l.licence_number, l.kind, l.status, l.expires_on",
    where=f"""FROM licence l
WHERE l.authority_id = $1 AND l.status IN ('current', 'suspended')
  AND l.expires_on >= $2::date AND l.expires_on <= $2::date + {EXPIRING_WITHIN_DAYS}
  AND ($3 = 'all' OR l.kind = $3 OR ($3 = 'month' AND l.expires_on <= $2::date + 30))""",
    filters=(
        Filter(
            "show",
            "Show",
            (
                ("all", f"All expiring in {EXPIRING_WITHIN_DAYS} days"),
                ("month", "Expiring in 30 days"),
                ("hackney_carriage", "Hackney carriage"),
                ("private_hire", "Private hire"),
                ("dual", "Dual"),
            ),
        ),
    ),
    sorts={"expires": "l.expires_on", "number": "l.licence_number"},
    default_sort="expires",
    csv_columns=(
        ("licence_number", "Licence number"),
        ("kind", "Kind"),
        ("status", "Status"),
        ("expires_on", "Expires on"),
        ("days_left", "Days left"),
    ),
    empty=f"No licence expires in the next {EXPIRING_WITHIN_DAYS} days.",
    unique="l.id",
    count_key="licences_expiring",
)

ALERT_KINDS = (
    ("out_of_area_licence", "Residents licensed elsewhere"),
    ("register_decision", "Register decisions"),
    ("decision_changed", "Decisions changed"),
    ("licence_suspended", "Licences suspended"),
    ("licence_revoked", "Licences revoked"),
    ("safeguarding_concern", "Safeguarding concerns"),
    ("information_request", "Information requests"),
    ("request_due_soon", "Requests due soon"),
    ("request_overdue", "Requests overdue"),
    ("resident_moved", "Residents who moved"),
    ("rescreen_match", "Possible matches under another record"),
    ("identity_changed", "Identity details changed"),
)

ALERTS = WorkList(
    name="alerts",
    title="Alerts",
    noun=("alert", "alerts"),
    select="a.id, a.kind, a.sent_at, a.acknowledged_at, u.display_name AS acknowledged_by",
    where="""FROM alert a LEFT JOIN app_user u ON u.id = a.acknowledged_by
WHERE a.recipient_authority_id = $1 AND a.status = 'sent' AND $2::date IS NOT NULL
  AND a.audit_id IS NULL
  AND ($3 = 'all' OR ($3 = 'new' AND a.acknowledged_at IS NULL)
       OR ($3 = 'acknowledged' AND a.acknowledged_at IS NOT NULL))
  AND ($4 = 'any' OR a.kind = $4)""",
    filters=(
        Filter(
            "show",
            "Show",
            (("new", "Not yet acknowledged"), ("acknowledged", "Acknowledged"), ("all", "All")),
        ),
        Filter("kind", "Kind of alert", (("any", "Any kind"), *ALERT_KINDS)),
    ),
    sorts={"sent": "a.sent_at"},
    default_sort="-sent",
    csv_columns=(
        ("id", "Alert"),
        ("kind", "Kind"),
        ("title", "What happened"),
        ("sent_at", "Sent"),
        ("acknowledged_at", "Acknowledged"),
        ("acknowledged_by", "Acknowledged by"),
    ),
    empty="There are no alerts to show.",
    unique="a.id",
)

WORK_LISTS = {w.name: w for w in (REQUESTS_DUE, CONCERNS_AWAITING, EXPIRING_LICENCES)}

# The statements, as module constants for tests/test_sql.py.
WORK_LIST_STATEMENTS = {w.name: dict(w.statements) for w in (*WORK_LISTS.values(), ALERTS)}

# Possible duplicates not yet decided that the authority may see (registry.duplicates.review:
# either record is one it licenses, refused or recorded), re-screening's among them.
OPEN_PAIRS = "FROM possible_duplicate p WHERE p.status = 'open' AND " + INTERESTED

NAV_COUNTS = (
    """
SELECT
  (SELECT name FROM authority WHERE id = $1) AS authority_name,
  (SELECT count(*) FROM alert a WHERE a.recipient_authority_id = $1 AND a.status = 'sent'
     AND a.acknowledged_at IS NULL AND a.audit_id IS NULL) AS unread_alerts,
  (SELECT count(*) FROM information_request r WHERE r.recording_authority_id = $1
     AND r.status = 'open') AS requests_due,
  (SELECT count(*) """
    + OPEN_PAIRS
    + ") AS possible_duplicates"
)


NAV_COUNT_KEYS = ("unread_alerts", "requests_due", "possible_duplicates")  # counts() holds them too


async def nav_counts(conn: asyncpg.Connection, authority_id: int) -> dict[str, Any]:
    """The counts the navigation shows an officer on every page, and the authority's name (a
    page's heading needs it: one statement for both)."""
    return dict(await conn.fetchrow(NAV_COUNTS, authority_id))


COUNTS = (
    """
SELECT
  (SELECT count(*) FROM alert a WHERE a.recipient_authority_id = $1 AND a.status = 'sent'
     AND a.acknowledged_at IS NULL AND a.audit_id IS NULL) AS unread_alerts,
  (SELECT count(*) FROM information_request r WHERE r.recording_authority_id = $1
     AND r.status = 'open') AS requests_due,
  (SELECT count(*) FROM information_request r WHERE r.recording_authority_id = $1
     AND r.status = 'open' AND r.due_on < $2::date) AS requests_overdue,
  (SELECT count(*) FROM concern c WHERE c.recipient_authority_id = $1
     AND c.reply_on IS NULL) AS concerns_awaiting,
  (SELECT count(*) FROM licence l WHERE l.authority_id = $1 AND l.status IN ('current', 'suspended')
     AND l.expires_on >= $2::date AND l.expires_on <= $2::date + $3::integer) AS licences_expiring,
  pairs.possible_duplicates, pairs.rescreen_matches
FROM (SELECT count(*) AS possible_duplicates,
             count(*) FILTER (WHERE p.raised_by = 'rescreen') AS rescreen_matches
      """
    + OPEN_PAIRS
    + ") pairs"
)
