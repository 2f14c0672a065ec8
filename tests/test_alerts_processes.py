"""Real worker processes (`crosscheck worker`): two at once never send an alert twice, and
one killed mid-batch (SIGKILL) loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from alerts.rules import queue_all_new_alerts
from tests.alerts_support import (
    Inbox,
    give_every_authority_an_address,
    smtp_server,
    statuses,
    wait_until,
    worker_env,
)
from tests.factories import make_driver, make_licence, someone

CROSSCHECK = str(Path(sys.executable).parent / "crosscheck")


async def alerts_for_many_authorities(conn, count: int, *, queue: bool = True) -> list[int]:
    """`count` out-of-area grants, each for a different home authority (one email each)."""
    homes = [
        r["name"]
        for r in await conn.fetch(
            "SELECT name FROM authority WHERE licenses_drivers AND name <> 'Wolverhampton' "
            "ORDER BY id LIMIT $1",
            count,
        )
    ]
    for n, home in enumerate(homes):
        driver = await make_driver(conn, **someone(n), recorded_by="Wolverhampton", home=home)
        await make_licence(conn, driver, authority="Wolverhampton")
    await give_every_authority_an_address(conn)
    if queue:
        await queue_all_new_alerts(conn)
    return [r["id"] for r in await conn.fetch("SELECT id FROM alert ORDER BY id")]


async def start_worker(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    out = open(log, "wb")
    try:
        return await asyncio.create_subprocess_exec(
            CROSSCHECK,
            "worker",
            "--job",
            "send_alerts",
            "--job",
            "sweep_leases",
            env={**os.environ, **env},
            stdout=out,
            stderr=out,
        )
    finally:
        out.close()


async def stop(process: asyncio.subprocess.Process, sig=signal.SIGTERM) -> None:
    if process.returncode is None:
        process.send_signal(sig)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.fixture
def logs(tmp_path):
    yield tmp_path
    for log in tmp_path.glob("*.log"):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(f"--- {log.name}\n{text}")


async def test_two_workers_at_once_send_every_alert_exactly_once(db_url, conn, logs):
    await alerts_for_many_authorities(conn, 40, queue=False)
    # each email takes the server a tenth of a second: one worker alone needs seconds for the
    # forty, time enough for the other to wake on a busy machine and take its share
    with smtp_server(inbox=Inbox(delay=0.1)) as inbox:
        env = worker_env(db_url, inbox.port, ALERT_BATCH_SIZE="4", ALERT_SEND_CONCURRENCY="2")
        workers = [await start_worker(env, logs / f"worker{n}.log") for n in (1, 2)]
        try:
            # both running before there is anything to send, so both compete for it
            for log in (logs / "worker1.log", logs / "worker2.log"):
                await wait_until(lambda log=log: "worker running" in log.read_text())
            await queue_all_new_alerts(conn)
            ids = [r["id"] for r in await conn.fetch("SELECT id FROM alert ORDER BY id")]
            await wait_until(async_equal(statuses, conn, {"sent": len(ids)}))
        finally:
            for worker in workers:
                await stop(worker)
    counts = Counter(inbox.alert_ids())
    assert sorted(counts) == ids and set(counts.values()) == {1}
    # both processes took part: the batches carry two processes' message ids
    senders = {m.message["Message-ID"].strip().split(".")[1] for m in inbox.messages}
    assert len(senders) == 2
    assert [w.returncode for w in workers] == [0, 0]  # SIGTERM: a clean stop


async def killed_mid_batch(env, logs, inbox, conn) -> asyncio.subprocess.Process:
    """A worker started, then killed with SIGKILL once a few emails went: it dies holding
    claimed alerts."""
    worker = await start_worker(env, logs / "killed.log")
    await wait_until(lambda: len(inbox.messages) >= 5)
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    assert (await statuses(conn)).get("sending", 0) > 0
    return worker


def async_equal(func, conn, expected):
    async def check():
        return await func(conn) == expected

    return check


async def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_its_emails_in_flight(
    db_url, conn, logs
):
    ids = await alerts_for_many_authorities(conn, 30)
    concurrency = 2
    with smtp_server(inbox=Inbox(delay=0.1)) as inbox:
        env = worker_env(
            db_url,
            inbox.port,
            ALERT_BATCH_SIZE="100",
            ALERT_SEND_CONCURRENCY=str(concurrency),
            ALERT_LEASE_SECONDS="4",
            SMTP_TIMEOUT_SECONDS="1",
        )
        first = await killed_mid_batch(env, logs, inbox, conn)
        received_before = list(inbox.messages)

        second = await start_worker(env, logs / "second.log")
        try:
            await wait_until(async_equal(statuses, conn, {"sent": len(ids)}))
        finally:
            await stop(second)
    counts = Counter(inbox.alert_ids())
    assert sorted(counts) == ids  # nothing lost
    repeated = {alert_id for alert_id, n in counts.items() if n > 1}
    assert all(n <= 2 for n in counts.values())
    # the only repeats are alerts whose email the killed worker had in flight: at most
    # `concurrency` emails, all received (by the server) after it last recorded a result
    in_flight = [m for m in received_before if any(i in repeated for i in m.alert_ids)]
    assert len(in_flight) <= concurrency
    assert repeated <= {i for m in in_flight for i in m.alert_ids}
    assert first.returncode == -signal.SIGKILL


async def test_a_killed_worker_is_noticed_and_its_alerts_sent_within_seconds_not_its_lease(
    db_url, conn, logs
):
    ids = await alerts_for_many_authorities(conn, 30)
    with smtp_server(inbox=Inbox(delay=0.1)) as inbox:
        # the default two-minute lease: only the dead sender's lost session can free its claim
        env = worker_env(
            db_url,
            inbox.port,
            ALERT_BATCH_SIZE="100",
            ALERT_SEND_CONCURRENCY="2",
            ALERT_LEASE_SECONDS="120",
            ALERT_SWEEP_SECONDS="1",
        )
        await killed_mid_batch(env, logs, inbox, conn)

        second = await start_worker(env, logs / "second.log")
        try:
            # well inside the lease: the claim was freed because its sender's session ended
            await wait_until(async_equal(statuses, conn, {"sent": len(ids)}))
        finally:
            await stop(second)
    assert sorted(set(inbox.alert_ids())) == ids  # nothing lost
    reasons = await conn.fetchval(
        "SELECT count(*) FROM alert WHERE attempts = 2"
    )  # the re-queued ones were tried twice
    assert reasons > 0
