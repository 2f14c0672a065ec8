"""Delivering alerts to a real SMTP server: the email's content, outages, refusals, leases
and digests."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from alerts import outbox
from alerts.config import SmtpConfig
from alerts.dispatch import send_due_alerts
from alerts.rules import queue_all_new_alerts
from alerts.transports import SmtpTransport
from registry.today import LONDON
from tests.alerts_support import (
    Inbox,
    config_for,
    free_port,
    pool_for,
    set_alert_email,
    smtp_server,
    statuses,
    wait_until,
)
from tests.factories import make_driver, make_entry, make_licence, someone

NARRATIVE = "Driver assaulted a passenger outside the station"


@pytest.fixture
async def pool(db_url):
    pool = await pool_for(db_url)
    yield pool
    await pool.close()


async def send(pool, config):
    return await send_due_alerts(pool, config, SmtpTransport(config.smtp, config.mail_from))


async def out_of_area_drivers(conn, count: int, homes=("Bolton", "Rotherham", "Leeds")) -> None:
    for i in range(count):
        driver = await make_driver(
            conn,
            **someone(i),
            recorded_by="Wolverhampton",
            home=homes[i % len(homes)],
        )
        await make_licence(conn, driver, authority="Wolverhampton")
    for home in homes:
        await set_alert_email(conn, home)
    await queue_all_new_alerts(conn)


async def test_the_home_authority_gets_one_email_with_what_it_needs_and_no_narrative(pool, conn):
    bolton = await set_alert_email(conn, "Bolton")
    driver = await make_driver(
        conn,
        forenames="Stephen",
        surname="Walker",
        date_of_birth=date(1980, 5, 17),
        recorded_by="Wolverhampton",
        home="Bolton",
        postcode="BL1 1AA",
        ni_number="AB123456C",
    )
    await conn.execute(
        "UPDATE driver SET address = '12 Hidden Street, Bolton' WHERE id = $1", driver
    )
    await make_licence(
        conn, driver, authority="Wolverhampton", kind="private_hire", starts_on=date(2025, 4, 1)
    )
    entry = await make_entry(
        conn,
        driver,
        authority="Sheffield",
        decision="revoked",
        categories=("sexual_offence",),
        narrative=NARRATIVE,
        decided_on=date(2025, 6, 2),
    )
    await queue_all_new_alerts(conn)
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM alert ORDER BY id")]
    assert len(ids) == 3  # Bolton: the grant and the entry; Wolverhampton: the entry

    with smtp_server() as inbox:
        report = await send(pool, config_for(inbox.port))
    assert report.sent == 2 and report.dead == 1  # Wolverhampton has no address yet

    [mail] = inbox.to(bolton)
    assert sorted(mail.alert_ids) == ids[:2]
    assert mail.message["Subject"] == (
        "Check your licences: Licence revoked by Sheffield, and 1 other alert (Crosscheck, Bolton)"
    )
    for body in (mail.text, mail.html):
        assert "What to do:" in body
        assert f"Register entry number: E{entry}" in body or f"E{entry}</td>" in body
        assert "Private hire driver" in body
        assert "Wolverhampton" in body and "Sheffield" in body
        assert "1 April 2025" in body and "2 June 2025" in body  # licence start, decision date
        assert "Licence revoked" in body
        assert "Your residents licensed by other authorities" in body
        assert "Decisions entered on the register" in body
        assert f"https://crosscheck.test/drivers/{driver.public}" in body
        assert f"https://crosscheck.test/entries/{entry}" in body
        for alert_id in ids[:2]:
            assert f"https://crosscheck.test/alerts/{alert_id}/acknowledge" in body
        for secret in (
            "Stephen",
            "Walker",
            "17 May 1980",
            NARRATIVE,
            "assaulted",
            "sexual",
            "Sexual",
            "Hidden Street",
            "BL1 1AA",
            "AB123456C",
        ):
            assert secret not in body
    # the decisions come before the grants: the most serious first
    assert mail.text.index("Decisions entered") < mail.text.index("Your residents licensed")

    rows = await conn.fetch(
        "SELECT status, sent_at, message_id, batch_id, attempts FROM alert WHERE id = ANY($1)",
        ids[:2],
    )
    assert {r["status"] for r in rows} == {"sent"}
    assert {r["message_id"] for r in rows} == {mail.message["Message-ID"].strip()}
    assert len({r["batch_id"] for r in rows}) == 1 and all(r["attempts"] == 1 for r in rows)
    dead = await conn.fetchrow("SELECT last_error FROM alert WHERE status = 'dead'")
    assert dead["last_error"] == "Wolverhampton has no alert email address: set one, then resend"


async def test_when_the_mail_server_is_down_alerts_wait_then_arrive_exactly_once(pool, conn):
    await out_of_area_drivers(conn, 24)
    port = free_port()
    config = config_for(port, batch_size=10)

    report = await send(pool, config)  # nobody listening on the port
    assert report.sent == 0 and report.retrying == report.claimed > 0  # all it claimed failed
    error = await conn.fetchval("SELECT last_error FROM alert WHERE attempts = 1 LIMIT 1")
    assert error.startswith(f"could not reach the mail server at 127.0.0.1:{port}")
    assert await statuses(conn) == {"pending": 24}  # none lost, none dead

    with smtp_server(port) as inbox:

        async def all_sent():
            await send(pool, config)
            return await statuses(conn) == {"sent": 24}

        await wait_until(all_sent)
    counts = Counter(inbox.alert_ids())
    assert len(counts) == 24 and set(counts.values()) == {1}
    assert set(counts) == {r["id"] for r in await conn.fetch("SELECT id FROM alert")}


async def test_retries_back_off_and_then_the_alert_is_dead_with_the_reason(pool, conn):
    await out_of_area_drivers(conn, 1, homes=("Bolton",))
    # a backoff far longer than any stall of a busy machine, so "not due yet" cannot lapse
    # while the test looks; each retry's time is then brought forward rather than waited for
    base = 60.0
    config = config_for(
        free_port(), max_attempts=3, retry_base_seconds=base, retry_max_seconds=3600
    )
    for attempt in (1, 2):
        before = await conn.fetchval("SELECT clock_timestamp()")
        await send(pool, config)
        after = await conn.fetchval("SELECT clock_timestamp()")
        row = await conn.fetchrow("SELECT attempts, status, next_attempt_at FROM alert")
        wait = timedelta(seconds=base * 2 ** (attempt - 1))  # doubling, +-20% jitter
        assert (row["attempts"], row["status"]) == (attempt, "pending")
        assert before + 0.8 * wait <= row["next_attempt_at"] <= after + 1.2 * wait
        assert (await send(pool, config)).claimed == 0  # not due yet: backing off
        await conn.execute("UPDATE alert SET next_attempt_at = now()")  # its time comes

    await send(pool, config)
    row = await conn.fetchrow("SELECT status, attempts, last_error, dead_at FROM alert")
    assert (row["status"], row["attempts"]) == ("dead", 3) and row["dead_at"] is not None
    assert "could not reach the mail server" in row["last_error"]


async def test_an_undeliverable_mailbox_is_dead_with_a_clear_reason_and_can_be_resent(pool, conn):
    await out_of_area_drivers(conn, 4, homes=("Bolton", "Leeds"))
    bolton = await conn.fetchval("SELECT alert_email::text FROM authority WHERE name = 'Bolton'")
    with smtp_server() as inbox:
        inbox.refuse.add(bolton)
        config = config_for(inbox.port)
        await send(pool, config)
        rows = await conn.fetch(
            "SELECT au.name, a.status, a.attempts, a.last_error FROM alert a "
            "JOIN authority au ON au.id = a.recipient_authority_id ORDER BY a.id"
        )
        assert {(r["name"], r["status"]) for r in rows} == {("Bolton", "dead"), ("Leeds", "sent")}
        reason = next(r["last_error"] for r in rows if r["status"] == "dead")
        assert reason == (
            f"the mail server refused the address {bolton}: "
            "550 5.1.1 Mailbox unavailable: no such user here"
        )
        assert all(r["attempts"] == 1 for r in rows)  # a refusal is not retried

        inbox.refuse.clear()
        for alert_id in [
            r["id"] for r in await conn.fetch("SELECT id FROM alert WHERE status = 'dead'")
        ]:
            assert await outbox.resend(conn, alert_id, None)
        await send(pool, config)
    assert await statuses(conn) == {"sent": 4}
    assert Counter(inbox.alert_ids()) == Counter(dict.fromkeys(inbox.alert_ids(), 1))
    assert len(inbox.to(bolton)) == 1


async def test_a_claim_whose_sender_died_is_swept_back_and_sent_once(pool, conn):
    await out_of_area_drivers(conn, 3, homes=("Bolton",))
    claim = await outbox.claim_due(conn, 10, lease_seconds=0.3)  # and then "the process dies"
    assert len(claim.alert_ids) == 3
    with smtp_server() as inbox:
        config = config_for(inbox.port)
        assert (await send(pool, config)).claimed == 0  # still leased: nobody else takes them
        await wait_until(lambda: outbox.sweep_expired_leases(conn, 8))
        await send(pool, config)
    assert sorted(inbox.alert_ids()) == sorted(claim.alert_ids)
    row = await conn.fetchrow(
        "SELECT min(attempts) AS a, bool_and(status = 'sent') AS sent FROM alert"
    )
    assert row["a"] == 2 and row["sent"]


async def test_a_digest_authority_gets_its_alerts_at_the_time_it_chose(pool, conn, owner_conn):
    await out_of_area_drivers(conn, 2, homes=("Bolton",))
    now = datetime.now(LONDON)
    later = (now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    await conn.execute(
        "UPDATE authority SET alert_delivery = 'digest', digest_time = $1 WHERE name = 'Bolton'",
        later,
    )
    with smtp_server() as inbox:
        config = config_for(inbox.port)
        assert (await send(pool, config)).claimed == 0
        # queued two hours ago, with the digest time one hour ago: due now, in one email
        earlier = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
        await conn.execute("UPDATE authority SET digest_time = $1 WHERE name = 'Bolton'", earlier)
        await owner_conn.execute("UPDATE alert SET created_at = now() - interval '2 hours'")
        report = await send(pool, config)
    assert report.sent == 2 and report.emails == 1 and len(inbox.messages) == 1


async def test_after_a_mail_outage_the_first_accepted_email_ends_the_backoff_of_the_rest(
    pool, conn
):
    await out_of_area_drivers(conn, 6, homes=("Bolton", "Leeds"))
    port = free_port()
    # a backoff far longer than the test: only the outage's end can bring these forward
    config = config_for(port, retry_base_seconds=600, retry_max_seconds=3600)
    await send(pool, config)  # the server is down: every alert waits on it
    waiting = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE waiting_on_transport) AS waiting,"
        " min(next_attempt_at) > now() + interval '5 minutes' AS backing_off FROM alert"
    )
    assert waiting["waiting"] == 6 and waiting["backing_off"]

    with smtp_server(port) as inbox:
        # a new alert, due at once, goes first; its acceptance makes the others due
        driver = await make_driver(conn, recorded_by="Wolverhampton", home="Rotherham")
        await make_licence(conn, driver, authority="Wolverhampton")
        await set_alert_email(conn, "Rotherham")
        await queue_all_new_alerts(conn)

        async def all_sent():
            await send(pool, config)
            return await statuses(conn) == {"sent": 7}

        await wait_until(all_sent)
    assert sorted(Counter(inbox.alert_ids()).values()) == [1] * 7


async def test_an_email_the_server_may_have_accepted_is_retried_never_made_dead_for_it(pool, conn):
    await out_of_area_drivers(conn, 12, homes=("Bolton", "Leeds", "Rotherham", "Sheffield"))
    # the server takes the message but answers the end of DATA only after the timeout
    with smtp_server(inbox=Inbox(delay=1.5)) as inbox:
        config = config_for(
            inbox.port,
            max_attempts=1,
            send_concurrency=2,
            smtp=SmtpConfig(port=inbox.port, timeout_seconds=0.5),
        )
        report = await send(pool, config)
        # the run stops at the first unconfirmed emails: no more possible duplicates than
        # the emails already in flight
        assert report.uncertain >= 1 and report.uncertain <= config.send_concurrency
        assert report.emails == 0 and report.dead == 0
        rows = await conn.fetch("SELECT status, attempts, last_error FROM alert")
        assert {r["status"] for r in rows} == {"pending"}  # out of attempts, yet not dead
        tried = [r for r in rows if r["attempts"] == 1]
        assert tried and all("may have been accepted" in r["last_error"] for r in tried)
