"""Alert delivery: throughput against plain aiosmtplib, and grant-to-inbox latency.

    uv run python bench/alerts.py [--alerts 10000] [--authorities 300] [--grants 40] [--fast]

1. Throughput. N pending alerts for M authorities are delivered by the real dispatcher
   (claim, compose, send, record) to a local SMTP server running in its own process. Then
   the very same messages are sent straight through aiosmtplib to the same server, first on
   one connection, then on as many connections as the dispatcher uses. Figures are ratios
   of the baseline's time to the dispatcher's (1.0 = as fast as sending alone; the target
   is at least 0.7), from two alternating rounds in the same run.
2. Latency. A `crosscheck worker` runs the default schedule; licences are granted to
   out-of-area drivers at random moments, and each alert's arrival at the SMTP server is
   timed from the grant's commit. Target: p99 at most 60 s.

A throwaway PostgreSQL cluster is started (durable settings unless --fast), or
DATABASE_URL is used when set (it must be an empty database the script may migrate).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import statistics
import sys
import time
from email.utils import parseaddr
from pathlib import Path

import aiosmtplib
import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts.compose import Recipient, compose, load_views  # noqa: E402
from alerts.config import AlertConfig, SmtpConfig  # noqa: E402
from alerts.dispatch import send_due_alerts  # noqa: E402
from alerts.rules import queue_all_new_alerts  # noqa: E402
from alerts.transports import SmtpTransport, new_message_id  # noqa: E402
from bench.harness import empty_register, percentile, release_cluster  # noqa: E402
from licensing import db, pgcluster  # noqa: E402

# --- the SMTP server, in a process of its own -------------------------------------------


class Sink:
    """Accepts everything; appends "<arrival time> <alert ids>" per message to a file."""

    def __init__(self, path: str) -> None:
        self.out = open(path, "a", buffering=1)

    async def handle_DATA(self, server, session, envelope):
        from email.parser import BytesHeaderParser
        from email.policy import default

        headers = BytesHeaderParser(policy=default).parsebytes(envelope.content)
        ids = str(headers["X-Crosscheck-Alerts"] or "").replace(" ", "")
        self.out.write(f"{time.time():.6f} {ids}\n")
        return "250 OK"


def _run_sink(port: int, path: str, ready, stop) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(
        Sink(path), hostname="127.0.0.1", port=port, server_hostname="bench-sink", data_size_limit=0
    )
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class SinkProcess:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = pgcluster.free_port()
        ctx = multiprocessing.get_context("spawn")
        self.ready, self.stop_event = ctx.Event(), ctx.Event()
        self.process = ctx.Process(
            target=_run_sink, args=(self.port, str(path), self.ready, self.stop_event)
        )

    def __enter__(self) -> SinkProcess:
        self.process.start()
        self.ready.wait(30)
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.process.join(10)

    def lines(self) -> list[tuple[float, list[int]]]:
        found = []
        for line in self.path.read_text().splitlines():
            at, _, ids = line.partition(" ")
            found.append((float(at), [int(i) for i in ids.split(",") if i]))
        return found

    def count(self) -> int:
        return len(self.path.read_text().splitlines())


# --- the database -------------------------------------------------------------------------


MORE_AUTHORITIES = """
INSERT INTO authority (code, name, official_name, nation, region, kind, licenses_drivers, valid_from)
SELECT 'BENCH' || lpad(g::text, 3, '0'), 'Bench authority ' || g, 'Bench authority ' || g,
       'England', 'Bench', 'transport_authority', true, date '2020-01-01'
FROM generate_series(1, $1) g
"""

DRIVERS = """
WITH a AS (SELECT array_agg(id ORDER BY id) AS ids
           FROM (SELECT id FROM authority WHERE licenses_drivers ORDER BY id LIMIT $2) x)
INSERT INTO driver (forenames, surname, date_of_birth, home_authority_id, recorded_by_authority_id)
SELECT 'Bench' || g, 'Driver', date '1970-01-01' + (g % 9000), a.ids[1 + g % $2], a.ids[1 + (g + 1) % $2]
FROM a, generate_series(0, $1 - 1) g
"""

LICENCES = """
WITH l AS (
    INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on,
                         starts_on, expires_on)
    SELECT id, recorded_by_authority_id, 'B' || id, 'private_hire', 'current', current_date,
           current_date, current_date + 1000
    FROM driver WHERE forenames LIKE 'Bench%'
    RETURNING id
)
INSERT INTO licence_change (licence_id, action, effective_on) SELECT id, 'granted', current_date FROM l
"""


async def make_pending_alerts(url: str, alerts: int, authorities: int) -> float:
    conn = await asyncpg.connect(url)
    try:
        have = await conn.fetchval("SELECT count(*) FROM authority WHERE licenses_drivers")
        if have < authorities:
            await conn.execute(MORE_AUTHORITIES, authorities - have)
        await conn.execute("UPDATE authority SET alert_email = lower(code) || '@alerts.bench'")
        await conn.execute(DRIVERS, alerts, authorities)
        await conn.execute(LICENCES)
        started = time.perf_counter()
        await queue_all_new_alerts(conn)
        took = time.perf_counter() - started
        pending = await conn.fetchval("SELECT count(*) FROM alert WHERE status = 'pending'")
        recipients = await conn.fetchval("SELECT count(DISTINCT recipient_authority_id) FROM alert")
        print(
            f"rules: {pending} alerts for {recipients} authorities queued from register events "
            f"in {took:.2f} s"
        )
        return took
    finally:
        await conn.close()


RESET = """
UPDATE alert SET status = 'pending', attempts = 0, next_attempt_at = now(), sent_at = NULL,
                 batch_id = NULL, message_id = NULL
"""


# --- throughput -----------------------------------------------------------------------------


async def dispatcher_run(pool, config: AlertConfig, sink: SinkProcess) -> tuple[float, int]:
    before = sink.count()
    started, cpu = time.perf_counter(), time.process_time()
    report = await send_due_alerts(pool, config, SmtpTransport(config.smtp, config.mail_from))
    took = time.perf_counter() - started
    print(
        f"  dispatcher: {took:.2f} s, of which this process's CPU {time.process_time() - cpu:.2f} s"
    )
    assert report.sent == report.claimed, report
    assert sink.count() - before == report.emails
    return took, report.emails


async def same_messages(pool, config: AlertConfig) -> list:
    """The emails the dispatcher sent, built again (same recipients, alerts and text)."""
    async with pool.acquire() as conn:
        batches = await conn.fetch(
            "SELECT a.batch_id, a.recipient_authority_id AS rid, au.name, au.alert_email::text AS email, "
            "array_agg(a.id ORDER BY a.id) AS ids FROM alert a JOIN authority au ON au.id = a.recipient_authority_id "
            "GROUP BY 1, 2, 3, 4"
        )
        views = {
            v.id: v
            for v in await load_views(conn, [i for b in batches for i in b["ids"]], config.base_url)
        }
    messages = []
    for b in batches:
        recipient = Recipient(b["rid"], b["name"], b["email"], [views[i] for i in b["ids"]])
        email = compose(recipient, config.base_url, new_message_id(config.mail_from))
        messages.append((email.to, email.as_bytes(config.mail_from)))
    return messages


async def plain_aiosmtplib(messages: list, port: int, connections: int, sender: str) -> float:
    async def lane(chunk):
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
            for to, message in chunk:
                await smtp.sendmail(sender, [to], message)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(lane(messages[n::connections]) for n in range(connections)))
    took = time.perf_counter() - started
    print(
        f"  aiosmtplib on {connections}: {took:.2f} s, of which this process's CPU {time.process_time() - cpu:.2f} s"
    )
    return took


async def throughput(url: str, sink: SinkProcess, alerts: int, rounds: int) -> dict:
    config = AlertConfig(smtp=SmtpConfig(port=sink.port), base_url="http://127.0.0.1:8000")
    sender = parseaddr(config.mail_from)[1]
    pool = await db.create_pool(url, min_size=2, max_size=config.send_concurrency + 4)
    owner = await asyncpg.connect(url)
    ours, single, parallel = [], [], []
    messages: list = []
    try:
        for round_no in range(1, rounds + 1):
            # alternate which goes first, so a drift in the machine's load hits both alike
            baseline_first = round_no % 2 == 0 and messages
            if baseline_first:
                single.append(await plain_aiosmtplib(messages, sink.port, 1, sender))
                parallel.append(
                    await plain_aiosmtplib(messages, sink.port, config.send_concurrency, sender)
                )
            if round_no > 1:
                # back to 10,000 fresh pending alerts; the vacuum clears the dead row versions
                # the previous round left, which a real outbox would not pile up this fast
                await owner.execute(RESET)
                await owner.execute("VACUUM (ANALYZE) alert")
            took, emails = await dispatcher_run(pool, config, sink)
            ours.append(took)
            if not baseline_first:
                messages = await same_messages(pool, config)
                assert len(messages) == emails
                single.append(await plain_aiosmtplib(messages, sink.port, 1, sender))
                parallel.append(
                    await plain_aiosmtplib(messages, sink.port, config.send_concurrency, sender)
                )
            print(
                f"round {round_no}: dispatcher {took:.2f} s for {alerts} alerts in {emails} emails; "
                f"aiosmtplib alone {single[-1]:.2f} s on 1 connection, {parallel[-1]:.2f} s on "
                f"{config.send_concurrency}; ratios {parallel[-1] / took:.2f} / {single[-1] / took:.2f}"
            )
    finally:
        await owner.close()
        await pool.close()
    result = {
        "emails": emails,
        "dispatcher_s": statistics.median(ours),
        "ratio_vs_same_connections": statistics.median(
            p / o for p, o in zip(parallel, ours, strict=True)
        ),
        "ratio_vs_one_connection": statistics.median(
            s / o for s, o in zip(single, ours, strict=True)
        ),
        "alerts_per_s": alerts / statistics.median(ours),
    }
    print(
        f"throughput: {result['alerts_per_s']:.0f} alerts/s ({alerts} alerts, {emails} emails, median of "
        f"{rounds} rounds); ratio aiosmtplib time / dispatcher time: "
        f"{result['ratio_vs_same_connections']:.2f} against {config.send_concurrency} connections, "
        f"{result['ratio_vs_one_connection']:.2f} against 1 connection (target >= 0.7)"
    )
    return result


# --- latency ---------------------------------------------------------------------------------

GRANT = """
WITH d AS (
    INSERT INTO driver (forenames, surname, date_of_birth, home_authority_id, recorded_by_authority_id)
    VALUES ('Late' || $1, 'Driver', date '1985-03-03', $2, $3) RETURNING id
), l AS (
    INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on, starts_on, expires_on)
    SELECT id, $3, 'LAT' || id, 'hackney_carriage', 'current', current_date, current_date, current_date + 900 FROM d
    RETURNING id
)
INSERT INTO licence_change (licence_id, action, effective_on) SELECT id, 'granted', current_date FROM l
RETURNING licence_id
"""


async def latency(url: str, sink: SinkProcess, grants: int) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port)}
    log = open(sink.path.with_suffix(".worker.log"), "wb")
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "crosscheck"), "worker", env=env, stdout=log, stderr=log
    )
    conn = await db.connect(url)
    granted: dict[int, float] = {}
    try:
        await asyncio.sleep(3)  # let the worker start
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM authority WHERE licenses_drivers ORDER BY id LIMIT 2"
            )
        ]
        rng = random.Random(7)
        for n in range(grants):
            licence_id = await conn.fetchval(GRANT, str(n), ids[0], ids[1])
            granted[licence_id] = time.time()
            await asyncio.sleep(rng.uniform(0, 2))
        deadline = time.time() + 120
        while True:
            alert_of = {
                r["id"]: r["subject_id"]
                for r in await conn.fetch(
                    "SELECT a.id, e.subject_id FROM alert a JOIN register_event e ON e.id = a.event_id "
                    "WHERE e.kind = 'licence_granted' AND e.subject_id = ANY($1)",
                    list(granted),
                )
            }
            arrived = {alert_of[i]: at for at, got in sink.lines() for i in got if i in alert_of}
            if len(arrived) == grants or time.time() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
        worker.terminate()
        await worker.wait()
        log.close()
    delays = sorted(arrived[k] - granted[k] for k in arrived)
    missing = grants - len(delays)
    result = {
        "grants": grants,
        "arrived": len(delays),
        "p50_s": percentile(delays, 50),
        "p95_s": percentile(delays, 95),
        "p99_s": percentile(delays, 99),
        "max_s": delays[-1],
    }
    print(
        f"latency, grant to SMTP server, default schedule: p50 {result['p50_s']:.1f} s, "
        f"p95 {result['p95_s']:.1f} s, p99 {result['p99_s']:.1f} s, max {result['max_s']:.1f} s "
        f"over {len(delays)} grants{f' ({missing} never arrived!)' if missing else ''} (target p99 <= 60 s)"
    )
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--authorities", type=int, default=300)
    parser.add_argument("--grants", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="PostgreSQL without fsync")
    args = parser.parse_args()

    url, folder = await empty_register(args.fast)
    work = Path(folder or "/tmp") / "bench-alerts"
    work.mkdir(parents=True, exist_ok=True)
    try:
        await make_pending_alerts(url, args.alerts, args.authorities)
        with SinkProcess(work / "sink.txt") as sink:
            await throughput(url, sink, args.alerts, args.rounds)
            if args.grants:
                await latency(url, sink, args.grants)
    finally:
        release_cluster(folder)


if __name__ == "__main__":
    asyncio.run(main())
