"""Alert rules: which authorities hear about which register changes, once each."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from alerts.rules import queue_all_new_alerts, queue_request_reminders, reminder_kind
from registry.today import london_today
from registry.workdays import add_working_days
from tests.factories import (
    authority_id,
    make_concern,
    make_driver,
    make_entry,
    make_licence,
    make_request,
    someone,
)


async def alerts(conn) -> set[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT au.name, a.kind FROM alert a JOIN authority au ON au.id = a.recipient_authority_id"
    )
    return {(r["name"], r["kind"]) for r in rows}


async def test_a_resident_licensed_by_another_authority_is_reported_to_their_home_authority(conn):
    driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    await make_licence(conn, driver, authority="Wolverhampton")
    await queue_all_new_alerts(conn)
    assert await alerts(conn) == {("Bolton", "out_of_area_licence")}


async def merge_into_a_transport_authority(owner_conn, *abolished: str) -> None:
    """As the DfT's proposal would: the councils' licensing passes to a new authority today."""
    successor = await owner_conn.fetchval(
        "INSERT INTO authority (code, name, official_name, nation, region, kind, licenses_drivers, "
        "valid_from) VALUES ('TA001', 'Greater Manchester Transport', 'Greater Manchester "
        "Transport Authority', 'England', 'North West', 'transport_authority', true, current_date) "
        "RETURNING id"
    )
    await owner_conn.execute(
        "UPDATE authority SET valid_to = current_date, successor_id = $1 "
        "WHERE name = ANY($2::text[])",
        successor,
        list(abolished),
    )


async def test_alerts_for_an_abolished_authority_go_to_its_successor(conn, owner_conn):
    resident = await make_driver(conn, forenames="Amy", recorded_by="Wolverhampton", home="Bolton")
    await merge_into_a_transport_authority(owner_conn, "Bolton", "Wigan")
    await make_licence(conn, resident, authority="Wolverhampton")
    await queue_all_new_alerts(conn)

    assert await alerts(conn) == {("Greater Manchester Transport", "out_of_area_licence")}


async def test_a_successor_is_not_told_of_its_own_grant_to_a_resident_it_inherited(
    conn, owner_conn
):
    resident = await make_driver(conn, forenames="Bob", recorded_by="Wigan", home="Bolton")
    await merge_into_a_transport_authority(owner_conn, "Bolton", "Wigan")
    successor = await authority_id(conn, "Greater Manchester Transport")
    await conn.execute(
        "INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on, "
        "starts_on, expires_on) VALUES ($1, $2, 'GMT-1', 'private_hire', 'current', current_date, "
        "current_date, current_date + 1000)",
        resident,
        successor,
    )
    await conn.execute(
        "INSERT INTO licence_change (licence_id, action, effective_on) "
        "SELECT id, 'granted', current_date FROM licence WHERE licence_number = 'GMT-1'"
    )
    await queue_all_new_alerts(conn)

    assert await alerts(conn) == set()


async def test_a_renewal_elsewhere_is_reported_too_but_a_home_grant_is_not(conn):
    local = await make_driver(conn, forenames="Amy", recorded_by="Bolton", home="Bolton")
    await make_licence(conn, local, authority="Bolton")
    away = await make_driver(conn, forenames="Bob", recorded_by="Wolverhampton", home="Bolton")
    licence = await make_licence(conn, away, authority="Wolverhampton")
    await queue_all_new_alerts(conn)
    await conn.execute(
        "INSERT INTO licence_change (licence_id, action, effective_on, expires_on) "
        "VALUES ($1, 'renewed', current_date, current_date + 700)",
        licence,
    )
    await queue_all_new_alerts(conn)
    kinds = await conn.fetch(
        "SELECT e.kind FROM alert a JOIN register_event e ON e.id = a.event_id"
    )
    assert sorted(r["kind"] for r in kinds) == ["licence_granted", "licence_renewed"]


async def test_a_revocation_is_told_to_every_other_licensing_authority_and_the_home_authority(conn):
    driver = await make_driver(conn, recorded_by="Sheffield", home="Rotherham")
    await make_licence(conn, driver, authority="Sheffield")
    await make_licence(conn, driver, authority="Wolverhampton")
    await make_licence(
        conn,
        driver,
        authority="Leeds",
        status="expired",
        starts_on=london_today() - timedelta(days=1200),
    )
    await queue_all_new_alerts(conn)
    before = await alerts(conn)
    await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    await queue_all_new_alerts(conn)
    assert await alerts(conn) - before == {
        ("Wolverhampton", "register_decision"),
        ("Rotherham", "register_decision"),
    }


async def test_a_suspension_of_a_licence_is_told_to_the_others(conn, owner_conn):
    driver = await make_driver(conn, recorded_by="Sheffield", home="Rotherham")
    licence = await make_licence(conn, driver, authority="Sheffield")
    await make_licence(conn, driver, authority="Leeds")
    await queue_all_new_alerts(conn)
    await owner_conn.execute("DELETE FROM alert")
    async with conn.transaction():
        await conn.execute("UPDATE licence SET status = 'suspended' WHERE id = $1", licence)
        await conn.execute(
            "INSERT INTO licence_change (licence_id, action, effective_on) "
            "VALUES ($1, 'suspended', current_date)",
            licence,
        )
    await queue_all_new_alerts(conn)
    assert await alerts(conn) == {
        ("Leeds", "licence_suspended"),
        ("Rotherham", "licence_suspended"),
    }


async def test_a_safeguarding_concern_goes_to_the_licensing_authority(conn, owner_conn):
    driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    await make_licence(conn, driver, authority="Wolverhampton")
    await queue_all_new_alerts(conn)
    await owner_conn.execute("DELETE FROM alert")
    await make_concern(conn, driver, reporter="Bolton", recipient="Wolverhampton")
    await queue_all_new_alerts(conn)
    assert await alerts(conn) == {("Wolverhampton", "safeguarding_concern")}


async def leeds_asks_sheffield(conn, driver: int, *, requested_on: date) -> int:
    entry = await make_entry(conn, driver, authority="Sheffield")
    return await make_request(
        conn, entry, requester="Leeds", case_reference="LEEDS/2025/17", requested_on=requested_on
    )


async def test_an_information_request_reaches_the_recording_authority_then_reminds_it(
    conn, owner_conn
):
    driver = await make_driver(conn, recorded_by="Sheffield", home="Sheffield")
    requested_on = date(2025, 3, 3)
    request = await leeds_asks_sheffield(conn, driver, requested_on=requested_on)
    await queue_all_new_alerts(conn)
    assert await alerts(conn) == {("Sheffield", "information_request")}
    due_on = add_working_days(requested_on, 20)

    assert await queue_request_reminders(conn, due_on - timedelta(days=10)) == 0
    assert await queue_request_reminders(conn, add_working_days(requested_on, 15)) == 1
    assert await queue_request_reminders(conn, add_working_days(requested_on, 16)) == 0  # once only
    assert await queue_request_reminders(conn, due_on) == 0
    assert await queue_request_reminders(conn, due_on + timedelta(days=1)) == 1
    assert await queue_request_reminders(conn, due_on + timedelta(days=5)) == 0
    assert await alerts(conn) == {
        ("Sheffield", "information_request"),
        ("Sheffield", "request_due_soon"),
        ("Sheffield", "request_overdue"),
    }

    await conn.execute(
        "UPDATE information_request SET status = 'granted', responded_on = $2 WHERE id = $1",
        request,
        due_on,
    )
    await owner_conn.execute("DELETE FROM alert WHERE kind <> 'information_request'")
    assert await queue_request_reminders(conn, due_on + timedelta(days=3)) == 0


def test_the_five_day_reminder_counts_working_days_not_calendar_days():
    due = date(2025, 5, 9)  # a Friday
    assert reminder_kind(date(2025, 4, 30), due) is None  # 6 working days left
    # 8 calendar days but 5 working days: 5 May 2025 is a bank holiday
    assert reminder_kind(date(2025, 5, 1), due) == "request_due_soon"
    assert reminder_kind(due, due) == "request_due_soon"
    assert reminder_kind(date(2025, 5, 10), due) == "request_overdue"


async def test_a_licensed_driver_moving_home_is_told_to_the_new_home_authority(conn, owner_conn):
    driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    await make_licence(conn, driver, authority="Wolverhampton")
    unlicensed = await make_driver(conn, forenames="Una", recorded_by="Leeds", home="Leeds")
    await queue_all_new_alerts(conn)
    await owner_conn.execute("DELETE FROM alert")
    await conn.execute(
        "UPDATE driver SET home_authority_id = $2 WHERE id = $1",
        driver,
        await authority_id(conn, "Rotherham"),
    )
    await conn.execute(
        "UPDATE driver SET home_authority_id = $2 WHERE id = $1",
        unlicensed,
        await authority_id(conn, "Rotherham"),
    )
    # moving into the licensing authority's own area is no news to anyone
    await conn.execute(
        "UPDATE driver SET home_authority_id = $2 WHERE id = $1",
        driver,
        await authority_id(conn, "Wolverhampton"),
    )
    await queue_all_new_alerts(conn)
    assert await alerts(conn) == {("Rotherham", "resident_moved")}


async def test_running_the_rules_twice_or_at_once_queues_each_alert_once(db_url, conn):
    from licensing.db import connect

    drivers = [
        await make_driver(conn, **someone(i), recorded_by="Wolverhampton", home="Bolton")
        for i in range(30)
    ]
    for driver in drivers:
        await make_licence(conn, driver, authority="Wolverhampton")
    other = await connect(db_url)
    try:
        results = await asyncio.gather(
            queue_all_new_alerts(conn, 7), queue_all_new_alerts(other, 5)
        )
    finally:
        await other.close()
    await queue_all_new_alerts(conn)
    await conn.execute("INSERT INTO alert_event_queue SELECT id FROM register_event")  # replayed
    await queue_all_new_alerts(conn)
    assert await conn.fetchval("SELECT count(*) FROM alert") == 30
    assert sum(r.alerts for r in results) <= 30
    assert await conn.fetchval("SELECT count(*) FROM alert_event_queue") == 0


async def test_history_from_a_bulk_import_alerts_only_what_still_matters(conn):
    bolton_resident = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    other = await make_driver(conn, forenames="Olu", recorded_by="Leeds", home="Leeds")
    await make_licence(conn, other, authority="Leeds")
    await queue_all_new_alerts(conn)
    before = await alerts(conn)
    async with conn.transaction():
        # what the importer does: its events carry detail.source = 'import'
        await conn.execute("SELECT set_config('crosscheck.source', 'import', true)")
        await make_licence(conn, bolton_resident, authority="Wolverhampton")  # still current
        await make_licence(
            conn,
            bolton_resident,
            authority="Wolverhampton",
            status="expired",
            kind="hackney_carriage",
            starts_on=london_today() - timedelta(days=1500),
        )
        await make_entry(conn, other, authority="Wolverhampton", decision="revoked")  # in force
        overturned = await make_entry(conn, other, authority="Wolverhampton", decision="suspended")
        await conn.execute(
            "UPDATE register_entry SET status = 'appeal_allowed', status_changed_on = "
            "current_date WHERE id = $1",
            overturned,
        )
        await conn.execute(
            "INSERT INTO register_entry_change (entry_id, status, changed_on) "
            "VALUES ($1, 'appeal_allowed', current_date)",
            overturned,
        )
    await queue_all_new_alerts(conn)
    new = await conn.fetch(
        "SELECT au.name, a.kind, e.kind AS event FROM alert a JOIN authority au ON au.id = "
        "a.recipient_authority_id JOIN register_event e ON e.id = a.event_id ORDER BY a.id"
    )
    assert before == set()  # Leeds licensing its own resident is no news
    assert [(r["name"], r["kind"]) for r in new] == [
        ("Bolton", "out_of_area_licence"),
        ("Leeds", "register_decision"),
    ]
