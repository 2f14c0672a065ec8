"""The private cluster, the migration runner and the schema's invariants."""

import asyncio
import difflib

import asyncpg
import pytest

from licensing import migrate as migrations
from registry.actor import SYSTEM, acting


async def test_the_reference_data_has_every_licensing_authority(conn):
    counts = dict(
        await conn.fetch("SELECT nation || ':' || kind, count(*) FROM authority GROUP BY 1")
    )
    english = sum(v for k, v in counts.items() if k.startswith("England:"))
    assert english == 264  # 263 districts outside London, and Transport for London
    assert counts["England:transport_for_london"] == 1
    assert counts["Wales:welsh_unitary"] == 22
    assert counts["Scotland:scottish_council"] == 32
    assert not await conn.fetchval(
        "SELECT bool_or(licenses_drivers) FROM authority WHERE nation = 'Scotland'"
    )


async def test_barnsley_and_sheffield_resolve_under_their_old_and_new_codes(conn):
    from registry.authorities import by_code

    for old, new in (("E08000016", "E08000038"), ("E08000019", "E08000039")):
        assert (await by_code(conn, old)).id == (await by_code(conn, new)).id


async def test_migrating_an_up_to_date_database_does_nothing(owner_conn):
    assert await migrations.migrate(owner_conn) == []


async def test_migrating_from_empty_to_head(cluster, tmp_path):
    admin = await asyncpg.connect(cluster.url("postgres"))
    await admin.execute('CREATE DATABASE "fresh_empty"')
    await admin.close()
    conn = await asyncpg.connect(cluster.url("fresh_empty"))
    try:
        applied = await migrations.migrate(conn)
        assert applied == [m.name for m in migrations.discover()]
        assert await conn.fetchval("SELECT count(*) FROM schema_migration") == len(applied)
    finally:
        await conn.close()


async def test_two_runners_started_at_once_apply_each_file_once(cluster):
    admin = await asyncpg.connect(cluster.url("postgres"))
    await admin.execute('CREATE DATABASE "fresh_race"')
    await admin.close()
    conns = [await asyncpg.connect(cluster.url("fresh_race")) for _ in range(2)]
    try:
        results = await asyncio.gather(*(migrations.migrate(c) for c in conns))
        names = [m.name for m in migrations.discover()]
        assert sorted(results[0] + results[1]) == sorted(names)
        assert await conns[0].fetchval("SELECT count(*) FROM schema_migration") == len(names)
    finally:
        for c in conns:
            await c.close()


async def test_an_applied_migration_that_was_edited_is_refused(owner_conn, tmp_path):
    for m in migrations.discover():
        (tmp_path / m.name).write_text(m.sql)
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- a later edit\n")
    with pytest.raises(migrations.MigrationError, match="edited after it was applied"):
        await migrations.migrate(owner_conn, tmp_path)
    statuses = await migrations.status(owner_conn, tmp_path)
    assert statuses[0].edited


def test_migration_files_are_numbered_without_gaps():
    found = migrations.discover()
    assert [m.version for m in found] == list(range(1, len(found) + 1))


async def test_the_service_role_cannot_rewrite_the_event_or_audit_log(conn):
    async with acting(conn, SYSTEM):
        await conn.execute("INSERT INTO audit_entry (action, subject) VALUES ('search', 'driver')")
    for statement in (
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "DELETE FROM register_event",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)


async def test_the_owner_cannot_rewrite_the_audit_log_either(owner_conn):
    await owner_conn.execute("INSERT INTO audit_log (action, subject) VALUES ('search', 'driver')")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await owner_conn.execute("DELETE FROM audit_log")


def test_schema_sql_is_what_the_migrations_make(db_url):
    made = migrations.dump_schema(db_url)
    kept = migrations.SCHEMA_FILE.read_text(encoding="utf-8")
    difference = difflib.unified_diff(
        kept.splitlines(), made.splitlines(), "migrations/schema.sql", "the migrations", lineterm=""
    )
    assert made == kept, "run `crosscheck db schema`:\n" + "\n".join(list(difference)[:60])
