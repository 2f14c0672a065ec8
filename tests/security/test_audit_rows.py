"""Attack story: someone with the service's database role writes audit rows of their own, to
hide an access among made-up ones, to blame a colleague, or to backdate a row.

The role may not insert into audit_log at all. It adds rows only through the view audit_entry,
whose trigger function audit_write() runs as the owner and takes who acted from the transaction's
actor (set by registry.actor.acting()); the time, id and retention date are the database's own.
"""

from __future__ import annotations

import asyncpg
import pytest

from registry import audit_log
from registry.actor import Actor, acting
from tests.factories import make_user


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
