"""DfT compliance summaries: a small register built by hand, whose every figure is known.

The period is 2025-Q1 (1 January to 31 March 2025); licensed drivers are counted on
1 April 2025, as DfT's statistics do. Four authorities take part: Wolverhampton licenses
many drivers who live in Bolton, Sheffield checks the register, Rotherham does not, and
Bolton licenses nobody in the story. The comments beside each row say which figures it moves.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from registry import compliance
from registry.today import london_today
from registry.workdays import working_days_between
from tests.factories import (
    authority_id,
    make_concern,
    make_driver,
    make_request,
    make_user,
    owner_connection,
)

LONDON = ZoneInfo("Europe/London")
PERIOD = compliance.Period(date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1))
QUERY = "quarter=2025-Q1&snapshot=2025-04-01&suppress=false"  # exact figures, as DfT analyses them
PUBLISHED = "quarter=2025-Q1"  # published figures: a quarter or a financial year, nothing else
_n = itertools.count(1)


def at(y, m, d, hh=12, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


# --- writing the register by hand ---------------------------------------------------------


async def driver(conn, home: str | None, recorded_by: str = "Sheffield") -> int:
    n = next(_n)
    driver_id = await make_driver(
        conn,
        forenames="Test",
        surname=f"Driver{n}",
        recorded_by=recorded_by,
        home=home or recorded_by,
    )
    if home is None:
        await conn.execute("UPDATE driver SET home_authority_id = NULL WHERE id = $1", driver_id)
    return driver_id


async def licence(
    conn,
    driver_id: int,
    authority: str,
    *,
    starts: date,
    expires: date | None = None,
    kind: str = "private_hire",
    recorded: datetime | None = None,
    status: str = "current",
    updated: datetime | None = None,
    first_granted: date | None = None,
) -> int:
    """A licence and its 'granted' history row (effective on `first_granted` or `starts`)."""
    expires = expires or date(starts.year + 3, starts.month, min(starts.day, 28))
    licence_id = await conn.fetchval(
        """INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on,
                                starts_on, expires_on, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, now())) RETURNING id""",
        driver_id,
        await authority_id(conn, authority),
        f"T{next(_n):05d}",
        kind,
        status,
        first_granted or starts,
        starts,
        expires,
        updated,
    )
    effective = first_granted or starts
    await change(
        conn,
        licence_id,
        "granted",
        effective,
        recorded or datetime.combine(effective, datetime.min.time(), LONDON) + timedelta(hours=12),
    )
    return licence_id


async def change(
    conn,
    licence_id: int,
    action: str,
    effective: date,
    recorded: datetime | None = None,
    expires: date | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO licence_change (licence_id, action, effective_on, expires_on, recorded_at)
           VALUES ($1, $2, $3, $4, $5)""",
        licence_id,
        action,
        effective,
        expires,
        recorded or datetime.combine(effective, datetime.min.time(), LONDON) + timedelta(hours=12),
    )


async def search(
    conn, authority: str, when: datetime, *drivers: int | None, search_id: uuid.UUID | None = None
) -> uuid.UUID:
    """A search's audit rows: one per driver returned, or one with no driver. Given the id
    of an earlier search, the row linking a driver recorded after it (as registry.drivers
    writes it)."""
    link = search_id is not None
    search_id = search_id or uuid.uuid4()
    auth = await authority_id(conn, authority)
    async with owner_connection(conn) as owner:
        await owner.executemany(
            """INSERT INTO audit_log (at, authority_id, action, purpose, case_reference, driver_id,
                                  search_id, detail)
           VALUES ($1, $2, 'search', 'new_application', 'CASE-1', $3, $4, $5::jsonb)""",
            [
                (when, auth, d, search_id, '{"recorded_after_search": true}' if link else "{}")
                for d in (drivers or (None,))
            ],
        )
    return search_id


async def entry(conn, driver_id: int, authority: str, first_entered: date) -> int:
    return await conn.fetchval(
        """INSERT INTO register_entry (driver_id, authority_id, decision, licence_kind, decided_on,
                                       effective_on, categories, first_entered_on)
           VALUES ($1, $2, 'revoked', 'private_hire', $3, $3, '{harm}', $3) RETURNING id""",
        driver_id,
        await authority_id(conn, authority),
        first_entered,
    )


async def request(
    conn,
    entry_id: int,
    requester: str,
    requested: date,
    status: str = "open",
    responded: date | None = None,
) -> None:
    await make_request(
        conn,
        entry_id,
        requester=requester,
        requested_on=requested,
        status=status,
        responded_on=responded,
    )


async def concern(
    conn,
    driver_id: int,
    reporter: str,
    recipient: str,
    aware: date,
    reported: date,
    reply: date | None = None,
) -> None:
    await make_concern(
        conn,
        driver_id,
        reporter=reporter,
        recipient=recipient,
        became_aware_on=aware,
        reported_on=reported,
        reply_on=reply,
    )


async def build_register(conn) -> None:
    W, S, R, B = "Wolverhampton", "Sheffield", "Rotherham", "Bolton"
    d1, d2, d6, d7, d9, d10, d11, d12 = [
        await driver(conn, B) for _ in range(8)
    ]  # Bolton residents
    d3, d13, d18 = [await driver(conn, S) for _ in range(3)]
    d4, d5, d16, d17 = [await driver(conn, W) for _ in range(4)]
    d14 = await driver(conn, R)
    d15, d19 = [await driver(conn, R, recorded_by=R) for _ in range(2)]
    d8 = await driver(conn, None)

    # Searches, made before the grants they precede (as the register records them) ----------
    await search(conn, W, at(2025, 2, 1), d2, d1)  # before d2's grant: counts for it
    await search(conn, W, at(2025, 3, 3, 11), d16)  # an hour after d16's grant: too late
    await search(conn, S, at(2025, 1, 15), d17)  # the wrong authority for d17's grant
    await search(conn, W, at(2024, 12, 20), d4)  # 85 days before d4's renewal: in time
    await search(conn, W, at(2024, 10, 1), d5)  # 123 days before d5's renewal: too old
    await search(conn, W, at(2025, 3, 31, 23, 30))  # the last half hour of the quarter (BST)
    await search(conn, W, at(2025, 4, 1, 0, 30))  # the first half hour after it
    nobody = await search(conn, S, at(2025, 1, 5))  # found nobody, then d18 was recorded:
    await search(
        conn, S, at(2025, 1, 6), d18, search_id=nobody
    )  # one search, and it counts for d18
    earlier = await search(conn, S, at(2024, 12, 30))  # a search made before the quarter, whose
    await search(
        conn, S, at(2025, 1, 2), d13, search_id=earlier
    )  # link row falls inside: not counted

    # Licensed drivers on 1 April 2025 -------------------------------------------------------
    await licence(conn, d1, W, starts=date(2024, 6, 1))  # W PH, Bolton resident
    await licence(
        conn, d2, W, starts=date(2025, 2, 10), recorded=at(2025, 2, 10)
    )  # W grant, searched
    await licence(conn, d2, S, starts=date(2024, 5, 1))  # S PH, Bolton resident
    await licence(
        conn, d3, W, starts=date(2023, 1, 1), kind="hackney_carriage"
    )  # W HC, Sheffield resident
    dual = await licence(
        conn, d4, W, starts=date(2025, 3, 15), kind="dual", first_granted=date(2022, 3, 15)
    )
    await change(
        conn, dual, "renewed", date(2025, 3, 15), at(2025, 3, 14, 9), date(2028, 3, 15)
    )  # searched
    hc = await licence(
        conn,
        d5,
        W,
        starts=date(2025, 2, 1),
        kind="hackney_carriage",
        first_granted=date(2022, 2, 1),
    )
    await change(
        conn, hc, "renewed", date(2025, 2, 1), at(2025, 2, 1), date(2028, 2, 1)
    )  # not searched
    await licence(conn, d5, W, starts=date(2024, 1, 1))  # HC + PH there: dual
    revoked = await licence(conn, d6, W, starts=date(2024, 1, 1), status="revoked")
    await change(conn, revoked, "revoked", date(2025, 3, 1))  # not licensed
    suspended = await licence(conn, d7, W, starts=date(2024, 1, 1), status="suspended")
    await change(conn, suspended, "suspended", date(2025, 3, 10))  # still licensed
    await licence(conn, d8, W, starts=date(2024, 1, 1))  # home unknown
    await licence(conn, d9, W, starts=date(2022, 1, 1), expires=date(2025, 1, 1), status="expired")
    await licence(conn, d10, W, starts=date(2025, 4, 2))  # not yet started
    back = await licence(conn, d11, W, starts=date(2024, 1, 1))
    await change(conn, back, "revoked", date(2025, 2, 1))
    await change(conn, back, "reinstated", date(2025, 3, 1))  # licensed again
    await licence(
        conn, d12, W, starts=date(2024, 1, 1), status="surrendered", updated=at(2025, 1, 15)
    )  # ended, no history row
    await licence(conn, d16, W, starts=date(2025, 3, 3), recorded=at(2025, 3, 3, 10))  # W grant
    await licence(conn, d17, W, starts=date(2025, 1, 20), recorded=at(2025, 1, 20))  # W grant
    await licence(conn, d13, S, starts=date(2024, 7, 1))
    await licence(
        conn, d14, S, starts=date(2024, 7, 1), kind="hackney_carriage"
    )  # Rotherham resident
    await licence(
        conn, d18, S, starts=date(2025, 1, 10), recorded=at(2025, 1, 10)
    )  # S grant, searched
    await licence(
        conn, d15, R, starts=date(2025, 3, 20), kind="hackney_carriage", recorded=at(2025, 3, 20)
    )  # R grant, no search
    await licence(
        conn, d19, R, starts=date(2022, 4, 1), expires=date(2025, 4, 1), kind="hackney_carriage"
    )  # last valid day: licensed

    # Register entries (first entered) -------------------------------------------------------
    e1 = await entry(conn, d6, W, date(2025, 1, 10))
    await entry(conn, d9, W, date(2025, 3, 31))
    e3 = await entry(conn, d10, W, date(2024, 12, 31))  # before the quarter
    e4 = await entry(conn, d13, S, date(2025, 2, 2))

    # Information requests, answered by the recording authority ------------------------------
    await request(conn, e1, S, date(2025, 1, 6), "granted", date(2025, 1, 20))  # 10 days
    await request(conn, e1, B, date(2025, 2, 3), "refused", date(2025, 3, 10))  # 25 days: late
    await request(conn, e1, R, date(2025, 3, 24))  # open, overdue
    await request(conn, e3, S, date(2025, 3, 28), "withdrawn", date(2025, 3, 31))
    await request(conn, e3, B, date(2025, 3, 3), "granted", date(2025, 3, 17))  # 10 days
    await request(conn, e3, S, date(2024, 12, 20))  # earlier, overdue
    await request(conn, e3, R, london_today() - timedelta(days=2))  # open, not yet due
    await request(conn, e4, W, date(2025, 3, 31), "granted", date(2025, 4, 29))  # 19 working days
    # (21 weekdays, but Good Friday and Easter Monday are bank holidays)

    # s.5 concerns and s.6 replies ------------------------------------------------------------
    await concern(conn, d13, W, S, date(2025, 1, 2), date(2025, 1, 16))  # 10 working days: in time
    await concern(conn, d1, W, B, date(2024, 12, 20), date(2025, 1, 7))  # 9 with Christmas: in time
    await concern(
        conn, d3, S, W, date(2025, 2, 3), date(2025, 3, 3), reply=date(2025, 3, 20)
    )  # late
    await concern(conn, d14, R, S, date(2025, 3, 25), date(2025, 3, 27), reply=date(2025, 4, 2))
    await concern(conn, d1, B, W, date(2024, 11, 20), date(2024, 12, 1), reply=date(2025, 1, 15))
    await concern(conn, d1, W, "Glasgow City", date(2025, 2, 7), date(2025, 2, 10))  # to Scotland

    # Alerts sent to authorities, and acknowledged ----------------------------------------
    reader = await make_user(conn, role="licensing_officer", authority=W)
    await alert(conn, W, at(2025, 1, 10, 9), at(2025, 1, 10, 11, 30), reader)  # 2.5 hours
    await alert(conn, W, at(2025, 2, 1, 10), at(2025, 2, 2, 10, 30), reader)  # 24.5 hours
    await alert(conn, W, at(2025, 3, 31, 23, 30))  # in the quarter (BST)
    await alert(conn, W, at(2025, 4, 1, 0, 30), at(2025, 4, 1, 9), reader)  # after it
    await alert(conn, W, None)  # not sent yet
    await alert(conn, B, at(2025, 3, 1, 8), at(2025, 3, 1, 9), reader)  # 1 hour
    await alert(conn, "Glasgow City", at(2025, 3, 1, 8))  # not a licensing authority


async def alert(
    conn,
    recipient: str,
    sent: datetime | None,
    acknowledged: datetime | None = None,
    by: dict | None = None,
) -> None:
    """An alert to `recipient`, sent (or still pending) and perhaps acknowledged; each
    hangs on an event of its own (the outbox allows one alert per event, recipient, kind)."""
    event = await conn.fetchval("""SELECT min(e.id) FROM register_event e
                                   WHERE NOT EXISTS (SELECT FROM alert a WHERE a.event_id = e.id)""")
    await conn.execute(
        """INSERT INTO alert (event_id, recipient_authority_id, kind, status, sent_at,
                              acknowledged_at, acknowledged_by)
           VALUES ($1, $2, 'out_of_area_licence', $3, $4, $5, $6)""",
        event,
        await authority_id(conn, recipient),
        "sent" if sent else "pending",
        sent,
        acknowledged,
        by["id"] if by else None,
    )


ZERO = dict.fromkeys(compliance.COUNT_FIELDS, 0) | {
    "granted_or_renewed_after_search_pct": None,
    "out_of_area_drivers_pct": None,
    "alerts_median_hours_to_acknowledge": None,
    "requests_answered_within_20_working_days_pct": None,
    "requests_median_working_days_to_answer": None,
    "concerns_made_within_10_working_days_pct": None,
    "residents_top_licensing_authorities": [],
    "suppressed": [],
}

WOLVERHAMPTON = ZERO | {
    "code": "E08000031",
    "name": "Wolverhampton",
    "nation": "England",
    "region": "West Midlands",
    "licensed_drivers_hackney_carriage": 1,  # d3
    "licensed_drivers_private_hire": 7,  # d1 d2 d7 d8 d11 d16 d17
    "licensed_drivers_dual": 2,  # d4 (dual licence), d5 (HC and PH)
    "licensed_drivers_total": 10,
    "licences_granted": 3,
    "licences_renewed": 2,
    "licences_granted_or_renewed": 5,
    "granted_or_renewed_after_search": 2,
    "granted_or_renewed_after_search_pct": 40.0,
    "register_entries_made": 2,
    "register_searches_made": 3,
    "out_of_area_drivers": 5,  # d1 d2 d3 d7 d11
    "licensed_drivers_home_unknown": 1,
    "out_of_area_drivers_pct": 55.6,  # 5 of 9
    "requests_received": 5,
    "requests_answered": 3,
    "requests_due": 4,
    "requests_answered_within_20_working_days": 2,
    "requests_answered_within_20_working_days_pct": 50.0,
    "requests_median_working_days_to_answer": 10.0,
    "requests_overdue_open_now": 2,
    "concerns_made": 3,
    "concerns_made_within_10_working_days": 3,
    "concerns_made_within_10_working_days_pct": 100.0,
    "concerns_received": 1,
    "s6_replies_given": 2,
    "alerts_received": 3,
    "alerts_acknowledged": 2,
    "alerts_median_hours_to_acknowledge": 13.5,
}
SHEFFIELD = ZERO | {
    "code": "E08000039",
    "name": "Sheffield",
    "nation": "England",
    "region": "Yorkshire and The Humber",
    "licensed_drivers_hackney_carriage": 1,
    "licensed_drivers_private_hire": 3,
    "licensed_drivers_total": 4,
    "licences_granted": 1,
    "licences_granted_or_renewed": 1,
    "granted_or_renewed_after_search": 1,
    "granted_or_renewed_after_search_pct": 100.0,
    "register_entries_made": 1,
    "register_searches_made": 2,
    "out_of_area_drivers": 2,
    "out_of_area_drivers_pct": 50.0,  # d2 d14
    "residents_licensed_elsewhere": 1,  # d3
    "residents_top_licensing_authorities": [
        {"code": "E08000031", "name": "Wolverhampton", "drivers": 1}
    ],
    "requests_received": 1,
    "requests_answered": 1,
    "requests_due": 1,
    "requests_answered_within_20_working_days": 1,
    "requests_answered_within_20_working_days_pct": 100.0,
    "requests_median_working_days_to_answer": 19.0,
    "concerns_made": 1,
    "concerns_made_within_10_working_days_pct": 0.0,
    "concerns_received": 2,
}
ROTHERHAM = ZERO | {
    "code": "E08000018",
    "name": "Rotherham",
    "nation": "England",
    "region": "Yorkshire and The Humber",
    "licensed_drivers_hackney_carriage": 2,
    "licensed_drivers_total": 2,  # d15 d19
    "licences_granted": 1,
    "licences_granted_or_renewed": 1,
    "granted_or_renewed_after_search_pct": 0.0,
    "out_of_area_drivers_pct": 0.0,
    "residents_licensed_elsewhere": 1,  # d14
    "residents_top_licensing_authorities": [
        {"code": "E08000039", "name": "Sheffield", "drivers": 1}
    ],
    "concerns_made": 1,
    "concerns_made_within_10_working_days": 1,
    "concerns_made_within_10_working_days_pct": 100.0,
}
BOLTON = ZERO | {
    "code": "E08000001",
    "name": "Bolton",
    "nation": "England",
    "region": "North West",
    "residents_licensed_elsewhere": 4,  # d1 d2 d7 d11
    "residents_top_licensing_authorities": [
        {"code": "E08000031", "name": "Wolverhampton", "drivers": 4},
        {"code": "E08000039", "name": "Sheffield", "drivers": 1},
    ],
    "concerns_received": 1,
    "alerts_received": 1,
    "alerts_acknowledged": 1,
    "alerts_median_hours_to_acknowledge": 1.0,
}
NATIONAL = ZERO | {
    "code": "K04000001",
    "name": "England and Wales",
    "nation": "England and Wales",
    "region": "",
    "licensed_drivers_hackney_carriage": 4,
    "licensed_drivers_private_hire": 10,
    "licensed_drivers_dual": 2,
    "licensed_drivers_total": 16,
    "licences_granted": 5,
    "licences_renewed": 2,
    "licences_granted_or_renewed": 7,
    "granted_or_renewed_after_search": 3,
    "granted_or_renewed_after_search_pct": 42.9,
    "register_entries_made": 3,
    "register_searches_made": 5,
    "out_of_area_drivers": 7,
    "licensed_drivers_home_unknown": 1,
    "out_of_area_drivers_pct": 46.7,
    "residents_licensed_elsewhere": 6,
    "residents_top_licensing_authorities": [
        {"code": "E08000031", "name": "Wolverhampton", "drivers": 5},
        {"code": "E08000039", "name": "Sheffield", "drivers": 2},
    ],
    "requests_received": 6,
    "requests_answered": 4,
    "requests_due": 5,
    "requests_answered_within_20_working_days": 3,
    "requests_answered_within_20_working_days_pct": 60.0,
    "requests_median_working_days_to_answer": 14.5,
    "requests_overdue_open_now": 2,
    "concerns_made": 5,
    "concerns_made_within_10_working_days": 4,
    "concerns_made_within_10_working_days_pct": 80.0,
    "concerns_received": 4,
    "s6_replies_given": 2,
    "alerts_received": 4,
    "alerts_acknowledged": 3,
    "alerts_median_hours_to_acknowledge": 2.5,
}
EXPECTED = {row["code"]: row for row in (WOLVERHAMPTON, SHEFFIELD, ROTHERHAM, BOLTON)}
RANK_OUT_OF_AREA = [
    (1, "E08000031", 55.6, 5, 9),
    (2, "E08000039", 50.0, 2, 4),
    (3, "E08000018", 0.0, 0, 2),
]
RANK_SEARCHED = [
    (1, "E08000039", 100.0, 1, 1),
    (2, "E08000031", 40.0, 2, 5),
    (3, "E08000018", 0.0, 0, 1),
]


def _plain(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("code", "name", "nation", "region")}


# --- the tests ----------------------------------------------------------------------------


async def test_every_figure_of_a_hand_built_register_is_right(conn):
    await build_register(conn)
    summary = await compliance.summarise(conn, PERIOD)
    data = msgspec.to_builtins(summary)
    assert data["period_start"] == "2025-01-01" and data["period_end"] == "2025-03-31"
    assert data["snapshot_date"] == "2025-04-01"
    rows = {r["code"]: r for r in data["authorities"]}
    assert len(rows) == 286  # every licensing authority of England (264) and Wales (22)
    for code, expected in EXPECTED.items():
        assert rows[code] == expected, code
    quiet = ZERO
    for code, row in rows.items():
        if code not in EXPECTED:
            assert _plain(row) == _plain(quiet), code
    assert data["national"]["totals"] == NATIONAL
    assert [
        (r["rank"], r["code"], r["pct"], r["numerator"], r["denominator"])
        for r in data["national"]["ranking_out_of_area"]
    ] == RANK_OUT_OF_AREA
    assert [
        (r["rank"], r["code"], r["pct"], r["numerator"], r["denominator"])
        for r in data["national"]["ranking_search_compliance"]
    ] == RANK_SEARCHED


async def test_two_connections_sharing_a_snapshot_give_the_same_figures(conn, db_url):
    from licensing.db import connect

    await build_register(conn)
    alone = await compliance.summarise(conn, PERIOD)
    second = await connect(db_url)
    try:
        together = await compliance.summarise(conn, PERIOD, second=second)
    finally:
        await second.close()
    assert msgspec.to_builtins(together) == msgspec.to_builtins(alone)


async def test_a_grant_is_checked_against_the_searches_recorded_before_it(conn, owner_conn):
    rotherham = await authority_id(conn, "Rotherham")
    d = await driver(conn, "Rotherham", recorded_by="Rotherham")
    await licence(conn, d, "Rotherham", starts=date(2025, 3, 20), recorded=at(2025, 3, 20))
    quarter = compliance.Period(date(2025, 1, 1), date(2025, 3, 31), date(2025, 3, 31))
    before = (await compliance.summarise_authority(conn, quarter, rotherham)).authority
    assert (before.licences_granted, before.granted_or_renewed_after_search) == (1, 0)
    # A search made on 10 March but loaded into the audit log only now (history from another
    # system) counts once the grants are checked again.
    await search(conn, "Rotherham", at(2025, 3, 10), d)
    assert await owner_conn.fetchval("SELECT recheck_grants('2025-01-01')") == 1
    after = (await compliance.summarise_authority(conn, quarter, rotherham)).authority
    assert after.granted_or_renewed_after_search == 1


async def test_the_sql_working_day_count_agrees_with_the_calendar(conn):
    days = [date(2024, 12, 1) + timedelta(days=i) for i in range(0, 200, 3)]
    pairs = [(a, b) for a in days[::4] for b in days]
    holidays = compliance.holidays_for(
        compliance.Period(date(2025, 1, 1), date(2025, 3, 31), date(2025, 3, 31)), date(2025, 6, 1)
    )
    counted = await conn.fetch(
        "SELECT count_working_days(a, b, $3::date[]) AS n FROM unnest($1::date[], $2::date[]) AS p(a, b)",
        [a for a, _ in pairs],
        [b for _, b in pairs],
        holidays,
    )
    assert [r["n"] for r in counted] == [working_days_between(a, b) for a, b in pairs]


async def test_every_summary_statement_prepares_against_the_schema(conn):
    for sql in compliance.STATEMENTS.values():
        await conn.prepare(sql)


async def test_a_licence_renewed_after_the_snapshot_counts_from_its_first_grant(conn):
    d = await driver(conn, "Rotherham", recorded_by="Rotherham")
    renewed = await licence(
        conn, d, "Rotherham", starts=date(2025, 2, 1), first_granted=date(2022, 2, 1)
    )
    await change(conn, renewed, "renewed", date(2025, 2, 1), expires=date(2028, 2, 1))
    report = await compliance.summarise_authority(
        conn,
        compliance.Period(date(2024, 10, 1), date(2024, 12, 31), date(2025, 1, 15)),
        await authority_id(conn, "Rotherham"),
    )
    assert report.authority.licensed_drivers_private_hire == 1


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"quarter": "2026-Q2"}, (date(2026, 4, 1), date(2026, 6, 30), date(2026, 6, 30))),
        (
            {"quarter": "2025q4", "snapshot": "2026-04-01"},
            (date(2025, 10, 1), date(2025, 12, 31), date(2026, 4, 1)),
        ),
        (
            {"start": "2024-04-01", "end": "2025-03-31"},
            (date(2024, 4, 1), date(2025, 3, 31), date(2025, 3, 31)),
        ),
        ({}, (date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31))),
    ],
)
def test_a_period_is_a_quarter_two_dates_or_by_default_the_last_complete_quarter(given, expected):
    period = compliance.resolve_period(**given, today=date(2026, 5, 14))
    assert (period.start, period.end, period.snapshot) == expected


@pytest.mark.parametrize(
    "given, fields",
    [
        ({"quarter": "2026-Q5"}, ["quarter"]),
        ({"quarter": "2026-Q1", "start": "2026-01-01"}, ["quarter"]),
        ({"start": "2026-01-01"}, ["period_end"]),
        (
            {"start": "1 Jan 2026", "end": "2026-13-01", "snapshot": "soon"},
            ["period_start", "period_end", "snapshot"],
        ),
        ({"start": "2026-02-01", "end": "2026-01-01"}, ["period_end"]),
    ],
)
def test_a_wrong_period_names_each_wrong_field(given, fields):
    with pytest.raises(compliance.PeriodError) as caught:
        compliance.resolve_period(**given)
    assert [f for f, _ in caught.value.errors] == fields


# --- the API and its CSV ------------------------------------------------------------------


def _client(db_url, **env):
    settings = load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false", **env})
    return AsyncTestClient(app=create_app(settings))


@pytest.fixture
async def client(db_url):
    async with _client(db_url) as client:
        yield client


def _cells(meta: dict, row: dict) -> list[str]:
    """The CSV cells a row's JSON should give: ISO dates, [z] for None, [c] if hidden, and the
    region's ONS code and name at the end."""

    def cell(name, value):
        if name in row["suppressed"] or (name.startswith("residents_top") and value is None):
            return "[c]"
        return "[z]" if value is None else str(value)

    cells = [meta[name] for name in compliance.PERIOD_COLUMNS]
    cells += [cell(name, row[name]) for name in compliance.FIGURE_COLUMNS]
    tops = row["residents_top_licensing_authorities"]
    for i in range(compliance.TOP_AUTHORITIES):
        if i < len(tops):
            cells += [
                tops[i]["code"],
                tops[i]["name"],
                cell(f"residents_top{i + 1}_drivers", tops[i]["drivers"]),
            ]
        else:
            cells += ["[z]", "[z]", "[z]"]
    region = row["region"]
    cells += [compliance.REGION_CODES.get(region, "[z]"), region or "[z]"]
    return cells


def _read_csv(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = response.content.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # CRLF line ends only
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_a_dft_analyst_gets_every_figure_in_json_and_the_same_in_csv(client, conn, caplog):
    await build_register(conn)
    dft = await make_user(conn, role="dft_analyst", authority=None)
    response = await client.get(f"/api/v1/compliance/summary?{QUERY}", headers=dft["headers"])
    assert response.status_code == 200, response.text
    data = response.json()
    rows = {r["code"]: r for r in data["authorities"]}
    for code, expected in EXPECTED.items():
        assert rows[code] == expected, code
    assert data["national"]["totals"] == NATIONAL
    assert data["suppression_applied"] is False

    response = await client.get(f"/api/v1/compliance/summary.csv?{QUERY}", headers=dft["headers"])
    assert response.status_code == 200
    assert (
        'filename="compliance-summary-2025-01-01-2025-03-31.csv"'
        in response.headers["content-disposition"]
    )
    table = _read_csv(response)
    assert tuple(table[0]) == compliance.SUMMARY_COLUMNS
    assert len(table) == 1 + 1 + 10 + 286  # header, England and Wales, 10 regions, authorities
    assert table[1] == _cells(data, data["national"]["totals"])  # the national row comes first
    assert table[2:12] == [_cells(data, region) for region in data["regions"]]
    by_code = {line[compliance.SUMMARY_COLUMNS.index("code")]: line for line in table[12:]}
    for code, row in rows.items():
        assert by_code[code] == _cells(data, row), code
    # Aggregates only: no driver's name anywhere, in the answers or the log.
    assert "Driver" not in response.text and "Driver" not in str(data)
    assert "Driver" not in caplog.text


async def test_an_authority_reads_its_own_row_and_no_one_elses(client, conn):
    await build_register(conn)
    officer = await make_user(conn, role="licensing_officer", authority="Wolverhampton")
    dpo = await make_user(conn, role="dpo", authority="Wolverhampton")
    for user in (officer, dpo):
        own = await client.get(
            f"/api/v1/compliance/authorities/E08000031?{QUERY}", headers=user["headers"]
        )
        assert own.status_code == 200, own.text
        assert own.json()["authority"] == WOLVERHAMPTON
        as_csv = await client.get(
            f"/api/v1/compliance/authorities/E08000031.csv?{QUERY}", headers=user["headers"]
        )
        table = _read_csv(as_csv)
        assert table[1:] == [_cells(own.json(), own.json()["authority"])]
        for path in (
            "/api/v1/compliance/authorities/E08000039",
            "/api/v1/compliance/authorities/E08000039.csv",
            "/api/v1/compliance/summary",
            "/api/v1/compliance/summary.csv",
        ):
            assert (await client.get(path, headers=user["headers"])).status_code == 403, path


async def test_an_authority_is_found_by_its_former_code_and_an_unknown_one_is_404(client, conn):
    dft = await make_user(conn, role="dft_analyst", authority=None)
    old = await client.get("/api/v1/compliance/authorities/E08000019", headers=dft["headers"])
    assert old.status_code == 200 and old.json()["authority"]["code"] == "E08000039"
    for code in ("E08999999", "S12000049"):  # no such code; a Scottish council licenses no one here
        response = await client.get(
            f"/api/v1/compliance/authorities/{code}", headers=dft["headers"]
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_summaries_need_a_sign_in(client):
    for path in (
        "/api/v1/compliance/summary",
        "/api/v1/compliance/summary.csv",
        "/api/v1/compliance/authorities/E08000031",
    ):
        assert (await client.get(path)).status_code == 401


async def test_a_wrong_period_is_a_422_naming_each_field(client, conn):
    dft = await make_user(conn, role="dft_analyst", authority=None)
    response = await client.get(
        "/api/v1/compliance/summary?period_start=2025-02-30&snapshot=x&suppress=maybe",
        headers=dft["headers"],
    )
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["period_start", "snapshot", "suppress"]
    response = await client.get("/api/v1/compliance/summary?suppress=maybe", headers=dft["headers"])
    assert [e["field"] for e in response.json()["errors"]] == ["suppress"]


async def test_a_dft_analyst_is_refused_every_route_that_returns_personal_data(client, conn):
    # Derived from the app's own routes: any /api/v1 handler not marked as returning no
    # personal data (auth.NO_PERSONAL_DATA, as the compliance ones are) must refuse DfT.
    from tests.test_access import operations, sample_path

    await build_register(conn)
    dft = await make_user(conn, role="dft_analyst", authority=None)
    checked = []
    for method, path, route, handler in operations(client.app):
        if not path.startswith("/api/v1/") or handler.opt.get("personal_data") is False:
            continue
        response = await client.request(
            method,
            sample_path(route),
            headers=dft["headers"],
            json={} if method in ("POST", "PUT", "PATCH") else None,
        )
        assert response.status_code == 403, (method, path, response.status_code)
        checked.append(f"{method} {path}")
    assert not any("/api/v1/compliance/" in op for op in checked)
    # the register's records of people are among them, whichever exist yet
    for op in (
        "GET /api/v1/drivers/{driver_id:uuid}",
        "POST /api/v1/searches",
        "POST /api/v1/drivers",
    ):
        if any(f"{m} {p}" == op for m, p, _, _ in operations(client.app)):
            assert op in checked
    assert checked


# --- disclosure control -------------------------------------------------------------------


async def test_suppression_hides_small_counts_and_whatever_would_reveal_them(client, conn):
    await build_register(conn)
    dft = await make_user(conn, role="dft_analyst", authority=None)
    response = await client.get(
        f"/api/v1/compliance/summary?{PUBLISHED}&suppress=true", headers=dft["headers"]
    )
    data = response.json()
    assert data["suppression_applied"] is True
    rows = {r["code"]: r for r in data["authorities"]}
    w, s, r, national = (
        rows["E08000031"],
        rows["E08000039"],
        rows["E08000018"],
        data["national"]["totals"],
    )
    # primary: 1 to 4 hidden, zeros and 5+ shown
    assert (
        s["licensed_drivers_private_hire"] is None
        and "licensed_drivers_private_hire" in s["suppressed"]
    )
    assert w["licensed_drivers_hackney_carriage"] is None and w["licensed_drivers_dual"] is None
    assert r["licensed_drivers_private_hire"] == 0 and w["licensed_drivers_total"] == 10
    # down a column: Sheffield's 3 alone hidden beside a national 10 would be 10 - 7; so 7 goes too
    assert (
        w["licensed_drivers_private_hire"] is None
        and national["licensed_drivers_private_hire"] == 10
    )
    assert w["out_of_area_drivers"] is None and w["requests_received"] is None
    # shares and medians that would give a hidden count away
    assert (
        w["out_of_area_drivers_pct"] is None and w["requests_median_working_days_to_answer"] is None
    )
    assert national["requests_answered"] is None  # 4 answers nationally,
    assert national["requests_median_working_days_to_answer"] is None  # so their median is hidden
    assert national["requests_received"] == 6 and national["out_of_area_drivers"] == 7
    # the top-authority counts
    assert rows["E08000001"]["residents_top_licensing_authorities"][0]["drivers"] is None
    assert [t["drivers"] for t in national["residents_top_licensing_authorities"]] == [None, None]
    # rankings list only shares that are shown
    assert (
        data["national"]["ranking_out_of_area"] == []
        and data["national"]["ranking_search_compliance"] == []
    )
    # an authority with nothing to hide is untouched
    assert (
        rows["E06000001"]["suppressed"] == [] and rows["E06000001"]["licensed_drivers_total"] == 0
    )

    table = _read_csv(
        await client.get(
            f"/api/v1/compliance/summary.csv?{PUBLISHED}&suppress=1", headers=dft["headers"]
        )
    )
    by_code = {line[compliance.SUMMARY_COLUMNS.index("code")]: line for line in table[1:]}
    column = compliance.SUMMARY_COLUMNS.index
    assert by_code["E08000031"][column("licensed_drivers_private_hire")] == "[c]"
    assert by_code["E08000031"][column("licensed_drivers_total")] == "10"
    assert by_code["E08000001"][column("residents_top1_drivers")] == "[c]"
    assert by_code["K04000001"] == _cells(data, national)


def test_hiding_one_part_of_a_total_hides_the_next_smallest_part():
    row = compliance.AuthoritySummary(
        code="E08000031",
        name="Wolverhampton",
        nation="England",
        licensed_drivers_hackney_carriage=3,
        licensed_drivers_private_hire=50,
        licensed_drivers_dual=20,
        licensed_drivers_total=73,
        requests_answered=4,
        requests_median_working_days_to_answer=12.0,
    )
    hidden = compliance.suppress_row(row)
    assert (
        hidden.licensed_drivers_hackney_carriage,
        hidden.licensed_drivers_dual,
        hidden.licensed_drivers_private_hire,
        hidden.licensed_drivers_total,
    ) == (None, None, 50, 73)
    assert hidden.requests_median_working_days_to_answer is None
    assert row.licensed_drivers_hackney_carriage == 3  # the original is left as it was


# --- a summary never writes and never takes the officers' connections ---------------------


async def test_a_summary_runs_read_only(conn):
    import asyncpg

    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await compliance.figures._read(
            conn, lambda c, _: c.execute("UPDATE authority SET population = 0")
        )


async def test_a_summary_leaves_the_register_exactly_as_it_was(client, conn):
    await build_register(conn)
    dft = await make_user(conn, role="dft_analyst", authority=None)
    tables = [
        r["tablename"]
        for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        # the token's request counter (API_REQUESTS_PER_MINUTE) is not the register
        if r["tablename"] != "usage_count"
    ]
    before = [await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables]
    assert (
        await client.get(f"/api/v1/compliance/summary?{QUERY}", headers=dft["headers"])
    ).status_code == 200
    assert (
        await client.get(
            f"/api/v1/compliance/authorities/E08000031.csv?{QUERY}", headers=dft["headers"]
        )
    ).status_code == 200
    after = [await conn.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables]
    assert before == after


async def test_summaries_have_their_own_connections_and_the_register_keeps_answering(db_url, conn):
    import anyio

    dft = await make_user(conn, role="dft_analyst", authority=None)
    async with _client(db_url, SUMMARY_POOL_MAX="1", SUMMARY_TIMEOUT_MS="20000") as client:
        # The test client serves the app on its own event loop: take the one summary
        # connection there, as a long summary would, and keep it until told.
        portal, pool = client.blocking_portal, client.app.state.summary_pool
        assert pool.get_max_size() == 1
        assert portal.call(pool.fetchval, "SHOW statement_timeout") == "20s"
        taken, release = portal.call(anyio.Event), portal.call(anyio.Event)

        async def long_summary():
            async with pool.acquire():
                taken.set()
                await release.wait()

        holding = portal.start_task_soon(long_summary)
        portal.call(taken.wait)
        assert (await client.get("/ready")).status_code == 200  # the officers' pool answers
        busy = await client.get("/api/v1/compliance/summary", headers=dft["headers"])
        assert busy.status_code == 503 and busy.json()["title"] == "Summaries are busy"
        portal.call(release.set)
        holding.result(timeout=60)
        assert (
            await client.get("/api/v1/compliance/summary", headers=dft["headers"])
        ).status_code == 200


async def test_a_summary_that_runs_too_long_is_stopped(db_url, conn):
    dft = await make_user(conn, role="dft_analyst", authority=None)
    async with _client(db_url, SUMMARY_TIMEOUT_MS="300") as client:
        async with conn.transaction():
            await conn.execute(
                "LOCK TABLE licence IN ACCESS EXCLUSIVE MODE"
            )  # it waits, then times out
            slow = await client.get("/api/v1/compliance/summary", headers=dft["headers"])
        assert slow.status_code == 503 and slow.json()["title"] == "The summary took too long"
        assert (
            await client.get("/api/v1/compliance/summary", headers=dft["headers"])
        ).status_code == 200


# --- the scheduled extract ----------------------------------------------------------------


@pytest.fixture
async def built_register(db_url, conn):
    await build_register(conn)
    return db_url


def test_the_summary_command_writes_the_same_figures_to_files(built_register, tmp_path):
    from click.testing import CliRunner

    from licensing.cli import main

    env = {"DATABASE_URL": built_register}
    result = CliRunner().invoke(
        main,
        [
            "summary",
            "--period",
            "2025-Q1",
            "--snapshot",
            "2025-04-01",
            "--exact",
            "--out",
            str(tmp_path),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["national.csv", "authorities.csv", "rankings.csv", "summary.json", "summary.ods"]
    )
    data = msgspec.json.decode((tmp_path / "summary.json").read_bytes())
    assert data["national"]["totals"] == NATIONAL

    def table(name):
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))

    national, authorities, ranked = (
        table("national.csv"),
        table("authorities.csv"),
        table("rankings.csv"),
    )
    # England and Wales, then each region
    assert national == [
        list(compliance.SUMMARY_COLUMNS),
        _cells(data, data["national"]["totals"]),
        *(_cells(data, region) for region in data["regions"]),
    ]
    assert authorities[0] == list(compliance.SUMMARY_COLUMNS) and len(authorities) == 1 + 286
    assert authorities[1:] == [_cells(data, row) for row in data["authorities"]]
    assert ranked[0] == list(compliance.RANKING_COLUMNS)
    assert ranked[1:] == (
        [
            ["out_of_area_drivers_pct", str(r), c, n, str(p), str(a), str(b)]
            for (r, c, p, a, b), n in zip(
                RANK_OUT_OF_AREA, ("Wolverhampton", "Sheffield", "Rotherham"), strict=True
            )
        ]
        + [
            ["granted_or_renewed_after_search_pct", str(r), c, n, str(p), str(a), str(b)]
            for (r, c, p, a, b), n in zip(
                RANK_SEARCHED, ("Sheffield", "Wolverhampton", "Rotherham"), strict=True
            )
        ]
    )
    assert "Driver" not in result.output


def test_the_summary_command_says_what_is_wrong_with_a_period(built_register, tmp_path):
    from click.testing import CliRunner

    from licensing.cli import main

    result = CliRunner().invoke(
        main,
        ["summary", "--period", "2025-Q7", "--out", str(tmp_path)],
        env={"DATABASE_URL": built_register},
    )
    assert result.exit_code == 1
    assert "--period must be a year and a quarter, like 2026-Q2" in result.output


def test_every_csv_column_is_documented():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "compliance.md").read_text(
        encoding="utf-8"
    )
    documented = set(re.findall(r"`([a-z0-9_]+)`", text))
    # the top-authority columns are documented once, for top1
    named = {
        re.sub(r"top[23]_", "top1_", c)
        for c in (*compliance.SUMMARY_COLUMNS, *compliance.RANKING_COLUMNS)
    }
    assert sorted(named - documented) == []
