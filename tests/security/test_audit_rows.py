"""Attack story: someone with the service's database role writes audit rows of their own, to
hide an access among made-up ones, to blame a colleague, or to backdate a row.

The role may not insert into audit_log at all. It adds rows only through the view audit_entry,
whose trigger function audit_write() runs as the owner and takes who acted from the transaction's
actor (set by registry.actor.acting(), or by acting_as() inside a search's own statement); the
time, id and retention date are the database's own. A row in a transaction that named no actor
is refused, and so is a row naming anyone but the actor. A system row (an actor with no user)
names no user.
"""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from alerts import outbox
from registry import audit_log, records, search
from registry.actor import SYSTEM, Actor, acting
from registry.audit_log import Enquirer
from tests.factories import make_driver, make_user
from tests.test_alerts_processes import alerts_for_many_authorities

A_ROW = "INSERT INTO audit_entry (user_id, action, subject) VALUES ($1, 'view_driver', 'driver')"


async def test_the_service_role_cannot_insert_into_the_audit_log_directly(conn):
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conn.execute(
            "INSERT INTO audit_log (action, subject, at) VALUES ('view_driver', 'x', now() - interval '1 year')"
        )
    with pytest.raises(asyncpg.UndefinedColumnError):  # no time, no retention date to choose
        await conn.execute("INSERT INTO audit_entry (action, at) VALUES ('view_driver', now())")
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_the_function_records_the_user_acting_in_the_transaction(conn):
    officer = await make_user(conn, authority="Bolton")
    colleague = await make_user(conn, authority="Bolton")
    actor = Actor(officer["id"], officer["authority_id"])

    async with acting(conn, actor):
        row = await audit_log.record(
            conn, action="export", authority_id=officer["authority_id"], subject="audit_log"
        )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="acting"):
        async with acting(conn, actor):
            await audit_log.record(
                conn, action="view_driver", user_id=colleague["id"], subject="blame"
            )

    written = await conn.fetchrow(
        "SELECT user_id, at, retention_ends_on FROM audit_log WHERE id = $1", row
    )
    assert written["user_id"] == officer["id"]
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE subject = 'blame'") == 0
    assert await conn.fetchval(
        "SELECT $1::timestamptz > now() - interval '1 minute'", written["at"]
    )


async def test_a_row_written_outside_any_acting_transaction_is_refused(conn):
    # someone with the service's role adds a row of their own, naming an officer or no one
    officer = await make_user(conn, authority="Bolton")
    for named in (officer["id"], None):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="names who acts"):
            await conn.execute(A_ROW, named)
    # an acting transaction's actor ends with it: the next statement has none
    async with acting(conn, Actor(officer["id"], officer["authority_id"])):
        await conn.execute(A_ROW, officer["id"])
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="names who acts"):
        await conn.execute(A_ROW, officer["id"])
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_a_nested_acting_block_hands_back_to_the_outer_actor_when_it_ends(conn):
    # an officer's change runs a system step inside its transaction; what the officer writes
    # after that step is still signed by the officer, not by the system
    officer = await make_user(conn, authority="Bolton")
    async with acting(conn, Actor(officer["id"], officer["authority_id"])):
        async with acting(conn, SYSTEM):
            await conn.execute(A_ROW, None)
        await conn.execute(A_ROW, officer["id"])
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="acting"):
            async with acting(conn, SYSTEM):
                await conn.execute(A_ROW, officer["id"])  # refused: its savepoint rolls back
        await conn.execute(A_ROW, officer["id"])
    # inside a transaction that named no one, nobody acts once the nested block is over
    async with conn.transaction():
        async with acting(conn, SYSTEM):
            await conn.execute(A_ROW, None)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="names who acts"):
            await conn.execute(A_ROW, None)
    rows = await conn.fetch("SELECT user_id FROM audit_log ORDER BY id")
    assert [r["user_id"] for r in rows] == [None, officer["id"], officer["id"]]


async def test_the_system_actor_may_not_name_an_officer(conn):
    # a scheduled job's transaction cannot be used to put a row on an officer's account
    officer = await make_user(conn, authority="Bolton")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="acting"):
        async with acting(conn, SYSTEM):
            await conn.execute(A_ROW, officer["id"])
    async with acting(conn, SYSTEM):
        await conn.execute(A_ROW, None)
    assert await conn.fetchval("SELECT array_agg(user_id) FROM audit_log") == [None]


async def test_a_search_and_a_record_opened_land_with_the_officer_who_did_them(conn):
    # a Rotherham officer searches for Stephen Walker, then opens his record
    officer = await make_user(conn, authority="Rotherham")
    walker = await make_driver(conn, recorded_by="Sheffield")
    asking = Enquirer(officer["id"], officer["authority_id"], "renewal", "ROT/7")

    found = await search.search_by_name(
        conn, "Stephen", "Walker", date(1980, 5, 17), enquirer=asking
    )
    assert [m.driver_id for m in found.matches] == [walker]
    assert await records.driver_record(conn, walker, asking) is not None

    rows = await conn.fetch(
        "SELECT action, user_id, authority_id, driver_id FROM audit_log ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        ("search", officer["id"], officer["authority_id"], walker),
        ("view_driver", officer["id"], officer["authority_id"], walker),
    ]
    # the search named its actor for its own statement only
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="names who acts"):
        await conn.execute(A_ROW, officer["id"])


async def test_a_dead_alert_resent_by_the_system_names_no_user_and_by_an_admin_names_them(conn):
    await alerts_for_many_authorities(conn, 2)
    await conn.execute("UPDATE alert SET status = 'dead', dead_at = now()")
    ids = {r["id"] for r in await conn.fetch("SELECT id FROM alert")}
    admin = await make_user(conn, role="admin")

    assert await outbox.resend_dead(conn, SYSTEM) == len(ids) > 0
    again = min(ids)
    await conn.execute("UPDATE alert SET status = 'dead', dead_at = now() WHERE id = $1", again)
    assert await outbox.resend_dead(conn, Actor(admin["id"], None)) == 1

    rows = await conn.fetch("SELECT subject, user_id FROM audit_log WHERE action = 'alert_resent'")
    by_system = {r["subject"] for r in rows if r["user_id"] is None}
    assert by_system == {f"alert:{i}" for i in ids}
    assert [r["subject"] for r in rows if r["user_id"] == admin["id"]] == [f"alert:{again}"]
    assert len(rows) == len(ids) + 1
