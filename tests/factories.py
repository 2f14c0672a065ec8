"""Factories for tests: plain SQL, so a test states only what its story needs.

They write as the schema owner would through the service's role (`conn` fixture), and the
register-event triggers fire exactly as they do for the API.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import asyncpg

from licensing.auth import issue_token
from registry.concerns import REPORT_WITHIN_WORKING_DAYS
from registry.requests import ANSWER_WITHIN_WORKING_DAYS
from registry.today import london_today
from registry.workdays import add_working_days

_seq = itertools.count(1)


@asynccontextmanager
async def service_client(db_url: str, **settings: str) -> AsyncIterator[Any]:
    """The whole service in-process on the test database, scheduler off, with `settings`
    (environment names) on top: a client of it, as tests/conftest.py's api_client."""
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app
    from licensing.settings import load

    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false", **settings}))
    async with AsyncTestClient(app=app) as client:
        yield client


async def room_in_the_window(conn: asyncpg.Connection, window_seconds: int, room: float) -> None:
    """Limits count uses in fixed windows (registry/limits.py: an hour, or a minute for API
    tokens): a story whose uses must all count in one window waits, when the window it would
    start in ends within `room` seconds, for the next one to begin."""
    left = await conn.fetchval(
        "SELECT ($1 - extract(epoch FROM clock_timestamp()) % $1)::float8", window_seconds
    )
    if left < room:
        await asyncio.sleep(left + 0.1)


@asynccontextmanager
async def owner_connection(conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the schema owner to the same test database as `conn`: for history
    the service's role may not write (audit rows dated in the past)."""
    from tests.conftest import OWNER_URLS

    owner = await asyncpg.connect(OWNER_URLS[await conn.fetchval("SELECT current_database()")])
    try:
        yield owner
    finally:
        await owner.close()


async def authority_id(conn: asyncpg.Connection, name: str) -> int:
    """An authority's id by its short name ("Rotherham", "Transport for London")."""
    found = await conn.fetchval("SELECT id FROM authority WHERE name = $1", name)
    assert found, f"no authority named {name}"
    return found


async def make_user(
    conn: asyncpg.Connection,
    *,
    role: str = "licensing_officer",
    authority: str | None = "Rotherham",
    email: str | None = None,
    name: str = "Test Officer",
) -> dict:
    """A user and an API token for them: {'id', 'token', 'authority_id', 'headers'}."""
    auth_id = (
        await authority_id(conn, authority)
        if authority and role in ("licensing_officer", "dpo")
        else None
    )
    email = email or f"user{next(_seq)}@example.gov.uk"
    user_id = await conn.fetchval(
        "INSERT INTO app_user (email, display_name, role, authority_id) VALUES ($1, $2, $3, $4) RETURNING id",
        email,
        name,
        role,
        auth_id,
    )
    token = await issue_token(conn, user_id, "test")
    return {
        "id": user_id,
        "token": token,
        "authority_id": auth_id,
        "email": email,
        "headers": {"Authorization": f"Bearer {token}"},
    }


class DriverRef(int):
    """A driver made by make_driver: the internal id (for SQL and the other factories), and
    `.public`, the public id the API and the pages address the driver by."""

    public: str

    @staticmethod
    def of(row) -> DriverRef:
        ref = DriverRef(row["id"])
        ref.public = str(row["public_id"])
        return ref


async def public_ref(conn: asyncpg.Connection, driver_id: int) -> DriverRef:
    """The DriverRef of a driver known by its internal id."""
    return DriverRef.of(
        await conn.fetchrow("SELECT id, public_id FROM driver WHERE id = $1", driver_id)
    )


async def internal_id(conn: asyncpg.Connection, public_id: str) -> DriverRef:
    """The DriverRef of a driver known by its public id (from an API answer)."""
    row = await conn.fetchrow(
        "SELECT id, public_id FROM driver WHERE public_id = $1::uuid", public_id
    )
    assert row, f"no driver with public id {public_id}"
    return DriverRef.of(row)


# Different people, for stories that need many drivers who are not one another: each has a
# surname and a forename of their own and a birthday years, months and days from the others',
# so re-screening (a date on the day or one keying slip away, a shared name token) never takes
# two of them for one person recorded twice.
SURNAMES = (
    "Adeyemi", "Brennan", "Chowdhury", "Davies", "Egan", "Fitzgerald", "Gallagher", "Hughes",
    "Iqbal", "Jenkins", "Kaur", "Lewandowski", "Mahmood", "Nolan", "Okafor", "Patel", "Quinn",
    "Rahman", "Sullivan", "Thompson", "Underwood", "Vaughan", "Whitaker", "Xuereb", "Yilmaz",
    "Zielinski", "Ashworth", "Barker", "Cartwright", "Dunmore", "Ellison", "Fairbrother",
    "Greenhalgh", "Holroyd", "Ingram", "Jowett", "Kershaw", "Lockwood", "Marsden", "Nuttall",
    "Ormerod", "Pickles", "Rushworth", "Sutcliffe", "Tattersall", "Uttley", "Wadsworth", "Yates",
)  # fmt: skip
FORENAMES = (
    "Amir", "Bethan", "Ciaran", "Deborah", "Emeka", "Farah", "Gareth", "Hannah", "Imran",
    "Joanne", "Kwame", "Lucy", "Marek", "Niamh", "Oluwaseun", "Priya", "Rhys", "Sadia",
    "Tomasz", "Ursula", "Vikram", "Wendy", "Yusuf", "Zara", "Alun", "Bronwen", "Conor",
    "Dilys", "Eamon", "Fiona", "Gurdeep", "Helen", "Ifan", "Jasmine", "Kieran", "Leila",
    "Moses", "Nasreen", "Owain", "Pauline", "Rajesh", "Sian", "Tariq", "Una", "Vernon",
    "Winston", "Yasmin", "Zoltan",
)  # fmt: skip


def someone(n: int) -> dict[str, Any]:
    """The `n`th of up to 48 different people: make_driver(conn, **someone(n), ...)."""
    assert n < len(SURNAMES), f"only {len(SURNAMES)} different people"
    return {
        "forenames": FORENAMES[n],
        "surname": SURNAMES[n],
        "date_of_birth": date(1950 + n, 1 + n % 12, 1 + n % 28),
    }


async def make_driver(
    conn: asyncpg.Connection,
    *,
    forenames: str = "Stephen",
    surname: str = "Walker",
    date_of_birth: date = date(1980, 5, 17),
    sex: str | None = "M",
    recorded_by: str = "Sheffield",
    home: str | None = None,
    gb_licence_number: str | None = None,
    ni_number: str | None = None,
    postcode: str | None = None,
    aliases: tuple[tuple[str, str], ...] = (),
    former: tuple[tuple[str, str], ...] = (),
) -> DriverRef:
    """A driver with their current name (and any aliases or former names)."""
    recorded_by_id = await authority_id(conn, recorded_by)
    home_id = await authority_id(conn, home) if home else recorded_by_id
    async with conn.transaction():
        row = await conn.fetchrow(
            """INSERT INTO driver (forenames, surname, date_of_birth, sex, gb_licence_number,
                                   ni_number, postcode, home_authority_id, recorded_by_authority_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id, public_id""",
            forenames,
            surname,
            date_of_birth,
            sex,
            gb_licence_number,
            ni_number,
            postcode,
            home_id,
            recorded_by_id,
        )
        driver_id = DriverRef.of(row)
        names = [("current", forenames, surname)]
        names += [("alias", f, s) for f, s in aliases] + [("former", f, s) for f, s in former]
        await conn.executemany(
            """INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth,
                                        recorded_by_authority_id) VALUES ($1, $2, $3, $4, $5, $6)""",
            [(driver_id, kind, f, s, date_of_birth, recorded_by_id) for kind, f, s in names],
        )
    return driver_id


async def make_licence(
    conn: asyncpg.Connection,
    driver_id: int,
    *,
    authority: str = "Sheffield",
    kind: str = "private_hire",
    starts_on: date | None = None,
    years: int = 3,
    status: str = "current",
    number: str | None = None,
) -> int:
    """A licence granted by `authority`, with its 'granted' history row (which raises the event)."""
    starts_on = starts_on or london_today() - timedelta(days=30)
    expires_on = date(starts_on.year + years, starts_on.month, min(starts_on.day, 28))
    auth_id = await authority_id(conn, authority)
    async with conn.transaction():
        licence_id = await conn.fetchval(
            """INSERT INTO licence (driver_id, authority_id, licence_number, kind, status,
                                    granted_on, starts_on, expires_on)
               VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id""",
            driver_id,
            auth_id,
            number or f"L{next(_seq):06d}",
            kind,
            status,
            starts_on,
            expires_on,
        )
        await conn.execute(
            "INSERT INTO licence_change (licence_id, action, effective_on) VALUES ($1, 'granted', $2)",
            licence_id,
            starts_on,
        )
    return licence_id


async def make_entry(
    conn: asyncpg.Connection,
    driver_id: int,
    *,
    authority: str = "Sheffield",
    decision: str = "revoked",
    categories: tuple[str, ...] = ("sexual_offence",),
    decided_on: date | None = None,
    narrative: str = "",
    licence_kind: str = "private_hire",
) -> int:
    decided_on = decided_on or london_today() - timedelta(days=10)
    return await conn.fetchval(
        """INSERT INTO register_entry (driver_id, authority_id, decision, licence_kind, decided_on,
                                       effective_on, categories, narrative)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id""",
        driver_id,
        await authority_id(conn, authority),
        decision,
        licence_kind,
        decided_on,
        list(categories),
        narrative,
    )


async def make_concern(
    conn: asyncpg.Connection,
    driver_id: int,
    *,
    reporter: str = "Rotherham",
    recipient: str = "Sheffield",
    categories: tuple[str, ...] = ("harm",),
    narrative: str = "",
    became_aware_on: date | None = None,
    reported_on: date | None = None,
    report_due_on: date | None = None,
    reply_decision: str = "no_action",
    reply_on: date | None = None,
    recorded_by: int | None = None,
) -> int:
    """A concern (s.5) `reporter` sent `recipient` about the driver: reported today, three days
    after the reporter became aware, due as registry.concerns.report dates it; answered with
    `reply_decision` when `reply_on` is given. Raises its register event as the API's does."""
    reported_on = reported_on or london_today()
    became_aware_on = became_aware_on or reported_on - timedelta(days=3)
    due = report_due_on or add_working_days(became_aware_on, REPORT_WITHIN_WORKING_DAYS)
    return await conn.fetchval(
        """INSERT INTO concern (driver_id, reporting_authority_id, recipient_authority_id,
                                categories, narrative, became_aware_on, reported_on, report_due_on,
                                reply_decision, reply_on, recorded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id""",
        driver_id,
        await authority_id(conn, reporter),
        await authority_id(conn, recipient),
        list(categories),
        narrative,
        became_aware_on,
        reported_on,
        due,
        reply_decision if reply_on else None,
        reply_on,
        recorded_by,
    )


async def make_request(
    conn: asyncpg.Connection,
    entry_id: int,
    *,
    requester: str = "Leeds",
    case_reference: str = "REQ-1",
    reason: str = "",
    requested_on: date | None = None,
    due_on: date | None = None,
    status: str = "open",
    responded_on: date | None = None,
    recorded_by: int | None = None,
) -> int:
    """An information request (s.3) from `requester` to the authority that recorded the entry:
    asked today, due as registry.requests.make_request dates it; answered (`status` other than
    'open') today unless `responded_on` says when."""
    requested_on = requested_on or london_today()
    if status != "open":
        responded_on = responded_on or london_today()
    return await conn.fetchval(
        """INSERT INTO information_request (entry_id, requesting_authority_id,
                                            recording_authority_id, case_reference, reason,
                                            requested_on, due_on, status, responded_on,
                                            recorded_by)
           SELECT e.id, $2, e.authority_id, $3, $4, $5, $6, $7, $8, $9
           FROM register_entry e WHERE e.id = $1 RETURNING id""",
        entry_id,
        await authority_id(conn, requester),
        case_reference,
        reason,
        requested_on,
        due_on or add_working_days(requested_on, ANSWER_WITHIN_WORKING_DAYS),
        status,
        responded_on,
        recorded_by,
    )
