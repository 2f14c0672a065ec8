"""The schedule: one table of jobs, housekeeping that is idempotent, and a shutdown that
neither loses nor strands an alert."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from alerts import outbox
from alerts.config import SmtpConfig
from alerts.rules import queue_all_new_alerts
from alerts.schedule import JOB_IDS, SCHEDULE, Daily, Hourly, Jobs, Scheduler
from licensing.settings import PROJECT_ROOT
from registry.today import london_today
from tests.alerts_support import (
    Inbox,
    config_for,
    give_every_authority_an_address,
    pool_for,
    smtp_server,
    statuses,
    wait_until,
)
from tests.factories import make_driver, make_entry, make_licence, make_user, someone


@pytest.fixture
async def pool(db_url):
    pool = await pool_for(db_url)
    yield pool
    await pool.close()


def test_every_job_in_the_schedule_table_is_a_job_the_scheduler_can_run():
    assert len(set(JOB_IDS)) == len(SCHEDULE)
    assert {
        "queue_alerts",
        "send_alerts",
        "send_webhooks",
        "sweep_leases",
        "queue_reminders",
        "expire_licences",
        "purge_records",
        "forget_retry_keys",
        "find_duplicates",
        "rescreen_adverse",
    } == set(JOB_IDS)
    for entry in SCHEDULE:
        assert callable(getattr(Jobs, entry.id)), entry.id
        entry.when.trigger(config_for(25))  # every trigger builds


def test_the_documented_schedule_is_the_schedule_the_scheduler_runs():
    """docs/alerts.md's table ("what runs when") lists every job of SCHEDULE, in its order."""
    text = (PROJECT_ROOT / "docs" / "alerts.md").read_text(encoding="utf-8")
    section = text.split("## The schedule", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert tuple(documented) == JOB_IDS
    for entry in SCHEDULE:  # the daily and hourly times agree too
        when = entry.when
        if isinstance(when, Daily):
            assert f"`{entry.id}` | daily {when.hour:02d}:{when.minute:02d} UK time" in section
        elif isinstance(when, Hourly):
            assert f"`{entry.id}` | hourly at :{when.minute:02d}" in section


async def test_licences_past_their_expiry_date_become_expired_once(pool, conn):
    driver = await make_driver(conn)
    old = await make_licence(
        conn, driver, authority="Sheffield", starts_on=london_today() - timedelta(days=3 * 365 + 5)
    )
    current = await make_licence(conn, driver, authority="Leeds")
    jobs = Jobs(pool, config_for(25))
    assert await jobs.expire_licences() == 1
    assert await jobs.expire_licences() == 0
    rows = await conn.fetch("SELECT id, status FROM licence ORDER BY id")
    assert [(r["id"], r["status"]) for r in rows] == [(old, "expired"), (current, "current")]
    events = await conn.fetch(
        "SELECT subject_id FROM register_event WHERE kind = 'licence_expired'"
    )
    assert [e["subject_id"] for e in events] == [old]


async def test_replies_kept_for_retried_posts_are_forgotten_after_their_24_hours(pool, conn):
    officer = await make_user(conn, authority="Leeds")
    insert = (
        "INSERT INTO idempotency_key (user_id, key, fingerprint, created_at, expires_at) "
        "VALUES ($1, $2, '\\x00', now() - $3::interval, now() - $3::interval + interval '24 hours')"
    )
    await conn.execute(insert, officer["id"], "yesterday's retry", timedelta(hours=25))
    await conn.execute(insert, officer["id"], "this morning's retry", timedelta(hours=3))

    assert await Jobs(pool, config_for(25)).forget_retry_keys() == 1
    assert [r["key"] for r in await conn.fetch("SELECT key FROM idempotency_key")] == [
        "this morning's retry"
    ]
    assert await Jobs(pool, config_for(25)).forget_retry_keys() == 0


async def test_records_past_retention_are_removed_leaving_an_audit_record_without_personal_data(
    pool, conn, owner_conn
):
    driver = await make_driver(
        conn, forenames="Rita", surname="Retained", recorded_by="Leeds", home="Bolton"
    )
    await make_licence(conn, driver, authority="Leeds")
    old = await make_entry(conn, driver, authority="Leeds", narrative="old narrative")
    kept = await make_entry(conn, driver, authority="Leeds", decision="suspended")
    await give_every_authority_an_address(conn)
    await queue_all_new_alerts(conn)
    await owner_conn.execute(
        "UPDATE register_entry SET first_entered_on = current_date - interval '11 years 1 day' WHERE id = $1",
        old,
    )
    await owner_conn.execute(
        "ALTER TABLE register_event DISABLE TRIGGER register_event_append_only;"
        "UPDATE register_event SET retention_ends_on = current_date - 1 WHERE kind = 'entry_recorded' "
        f"AND subject_id = {old};"
        "ALTER TABLE register_event ENABLE TRIGGER register_event_append_only"
    )
    alerts_before = await conn.fetchval("SELECT count(*) FROM alert")

    removed = await Jobs(pool, config_for(25)).purge_records()
    assert removed["register_entry"] == 1 and removed["register_event"] == 1
    assert [r["id"] for r in await conn.fetch("SELECT id FROM register_entry")] == [kept]
    # its alert went with its event; the others stay
    assert await conn.fetchval("SELECT count(*) FROM alert") == alerts_before - 1
    audit = await conn.fetch(
        "SELECT subject, detail::text AS detail, driver_id, user_id "
        "FROM audit_log WHERE action = 'retention_purge' ORDER BY subject"
    )
    assert {a["subject"] for a in audit} == {"register_entry", "register_event"}
    for row in audit:
        assert row["driver_id"] is None and row["user_id"] is None
        assert "Retained" not in row["detail"] and "narrative" not in row["detail"]
    assert await Jobs(pool, config_for(25)).purge_records() == {
        "register_entry": 0,
        "concern": 0,
        "register_event": 0,
        "audit_log": 0,
        "webhook_delivery": 0,
        "import_rejection_list": 0,
    }


async def many_recipients(conn, count: int) -> list[int]:
    homes = [
        r["name"]
        for r in await conn.fetch(
            "SELECT name FROM authority WHERE licenses_drivers AND name <> 'Leeds' ORDER BY id LIMIT $1",
            count,
        )
    ]
    for n, home in enumerate(homes):
        driver = await make_driver(conn, **someone(n), recorded_by="Leeds", home=home)
        await make_licence(conn, driver, authority="Leeds")
    await give_every_authority_an_address(conn)
    return homes


@pytest.mark.parametrize("grace", [10.0, 0.0], ids=["graceful", "cancelled"])
async def test_stopping_the_scheduler_mid_send_strands_nothing(pool, conn, grace):
    await many_recipients(conn, 16)
    with smtp_server(inbox=Inbox(delay=0.1)) as inbox:
        # graceful: a lease long enough that no send is cut short on a busy machine (its SMTP
        # timeout, a third of it, is the grace); cancelled: a short one, so the sends cut off
        # mid-way come back soon (its SMTP timeout, 2 s, still twenty times the server's 0.1 s:
        # a send timed out before the stop would be one more repeat than the stop allows)
        lease = 30.0 if grace else 6.0
        config = config_for(
            inbox.port,
            send_concurrency=2,
            lease_seconds=lease,
            smtp=SmtpConfig(port=inbox.port, timeout_seconds=lease / 3),
        )
        scheduler = Scheduler(
            Jobs(pool, config), only=("queue_alerts", "send_alerts"), grace_seconds=grace
        )
        scheduler.start()
        await wait_until(lambda: len(inbox.messages) >= 3)
        await scheduler.stop()
        after_stop = await statuses(conn)
        if grace:  # the emails in flight finished and were recorded; the rest handed back
            assert set(after_stop) <= {"sent", "pending"}
            assert after_stop["sent"] == len(inbox.messages)

        # a later run (after any lease lapses) sends the rest; its sends have time to finish,
        # so a repeat can only be an email cut off when the scheduler stopped (a send timed
        # out here would be one more, from another rule: an unconfirmed email is retried)
        later = config_for(
            inbox.port,
            send_concurrency=2,
            lease_seconds=30.0,
            smtp=SmtpConfig(port=inbox.port, timeout_seconds=10.0),
        )
        jobs = Jobs(pool, later)

        async def all_sent():
            await outbox.sweep_expired_leases(conn, 8)
            await jobs.send_alerts()
            return await statuses(conn) == {"sent": 16}

        try:
            await wait_until(all_sent)
        finally:
            await jobs.liveness.close()
    counts = Counter(inbox.alert_ids())
    assert len(counts) == 16
    repeats = sum(n - 1 for n in counts.values())
    assert repeats == 0 if grace else repeats <= config.send_concurrency
