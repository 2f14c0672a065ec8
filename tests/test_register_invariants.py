"""The database itself keeps the register's rules, whatever code writes to it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from registry.today import london_today
from tests.factories import make_concern, make_driver, make_entry, make_licence


async def test_a_driver_holds_at_most_one_live_licence_of_a_kind_per_authority(conn):
    driver = await make_driver(conn)
    await make_licence(conn, driver, authority="Sheffield", kind="private_hire")
    await make_licence(conn, driver, authority="Sheffield", kind="hackney_carriage")
    await make_licence(conn, driver, authority="Rotherham", kind="private_hire")
    with pytest.raises(asyncpg.UniqueViolationError):
        await make_licence(conn, driver, authority="Sheffield", kind="private_hire")


async def test_a_licence_longer_than_three_years_is_refused(conn):
    driver = await make_driver(conn)
    with pytest.raises(asyncpg.CheckViolationError):
        await make_licence(conn, driver, years=4)


async def test_a_register_entry_needs_a_relevant_information_category(conn):
    driver = await make_driver(conn)
    with pytest.raises(asyncpg.CheckViolationError):
        await make_entry(conn, driver, categories=("parking",))
    with pytest.raises(asyncpg.CheckViolationError):
        await make_entry(conn, driver, categories=())


async def test_a_register_entry_is_kept_for_eleven_years_from_first_entry(conn):
    driver = await make_driver(conn)
    entry = await make_entry(conn, driver)
    first, ends = await conn.fetchrow(
        "SELECT first_entered_on, retention_ends_on FROM register_entry WHERE id = $1", entry
    )
    assert ends == date(
        first.year + 11, first.month, first.day if (first.month, first.day) != (2, 29) else 28
    )


def a_zone_on_another_day() -> str:
    """A zone whose date is not London's at this moment: 14 hours ahead of UTC or 11 behind
    (London is 0 or 1 ahead), one of which is always on another day."""
    now = datetime.now(UTC)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        if now.astimezone(ZoneInfo(zone)).date() != london_today(now):
            return zone
    raise AssertionError("no zone on another day")  # pragma: no cover


async def test_an_entry_and_a_concern_are_first_entered_on_londons_date_whatever_the_session(
    conn,
):
    """Retention runs 11 years from the day a record was first entered, and officers see that
    day: it is London's, even from a session whose zone (like the servers' UTC after 23:00 in
    summer) is on another day."""
    driver = await make_driver(conn)
    before = london_today()
    async with conn.transaction():
        await conn.execute(f"SET LOCAL TimeZone = '{a_zone_on_another_day()}'")
        entry = await make_entry(conn, driver)
        concern = await make_concern(conn, driver)
    days = {before, london_today()}
    first = await conn.fetchval("SELECT first_entered_on FROM register_entry WHERE id = $1", entry)
    assert first in days
    first = await conn.fetchval("SELECT first_entered_on FROM concern WHERE id = $1", concern)
    assert first in days


async def test_every_change_appends_a_register_event_in_the_same_transaction(conn):
    driver = await make_driver(conn, home="Bolton", recorded_by="Wolverhampton")
    await make_licence(conn, driver, authority="Wolverhampton")
    await make_entry(conn, driver, authority="Wolverhampton")
    kinds = [
        r["kind"]
        for r in await conn.fetch(
            "SELECT kind FROM register_event WHERE driver_id = $1 ORDER BY id", driver
        )
    ]
    assert kinds == ["driver_recorded", "licence_granted", "entry_recorded"]


async def test_a_failed_change_leaves_no_event_behind(conn):
    driver = await make_driver(conn)
    before = await conn.fetchval("SELECT count(*) FROM register_event")
    with pytest.raises(asyncpg.CheckViolationError):
        await make_licence(conn, driver, years=5)
    assert await conn.fetchval("SELECT count(*) FROM register_event") == before


async def test_names_are_keyed_so_spelling_and_punctuation_do_not_matter(conn):
    driver = await make_driver(
        conn,
        forenames="Mohammed Ali",
        surname="O'Neill-Smith",
        aliases=(("Muhammad", "ONeill Smith"),),
    )
    rows = await conn.fetch(
        "SELECT surname_key, forename_key, middle_keys, forename_sound FROM driver_name "
        "WHERE driver_id = $1 ORDER BY kind",
        driver,
    )
    assert {r["surname_key"] for r in rows} == {"ONEILLSMITH"}
    assert {r["forename_sound"] for r in rows} == {"MHMT"}
    assert sorted(r["middle_keys"] for r in rows) == ["", "ALI"]


async def test_retention_housekeeping_removes_only_what_has_passed_its_end(conn, owner_conn):
    driver = await make_driver(conn)
    old = await make_entry(conn, driver)
    await owner_conn.execute(
        "UPDATE register_entry SET first_entered_on = first_entered_on - interval '12 years', "
        "decided_on = decided_on - interval '12 years', effective_on = effective_on - interval '12 years' "
        "WHERE id = $1",
        old,
    )
    kept = await make_entry(conn, driver)
    removed = dict(await conn.fetch("SELECT * FROM purge_expired_records()"))
    assert removed["register_entry"] == 1
    assert await conn.fetchval("SELECT array_agg(id) FROM register_entry") == [kept]
    audit = await conn.fetchrow(
        "SELECT subject, detail FROM audit_log WHERE action = 'retention_purge'"
    )
    assert audit["subject"] == "register_entry"
