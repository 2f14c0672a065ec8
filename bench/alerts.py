"""Alert delivery: throughput against plain aiosmtplib, and grant-to-inbox latency.

    uv run python bench/alerts.py [--alerts 10000] [--authorities 300] [--grants 40] [--fast]
    uv run python bench/alerts.py --rescreen 40 [--data-dir DIR --keep]

1. Throughput. N pending alerts for M authorities are delivered by the real dispatcher
   (claim, compose, send, record) to a local SMTP server running in its own process. Then
   the very same messages are sent straight through aiosmtplib to the same server, first on
   one connection, then on as many connections as the dispatcher uses. Figures are ratios
   of the baseline's time to the dispatcher's (1.0 = as fast as sending alone; the target
   is at least 0.7), from two alternating rounds in the same run.
2. Latency. A `crosscheck worker` runs the default schedule; licences are granted to
   out-of-area drivers at random moments, and each alert's arrival at the SMTP server is
   timed from the grant's commit. Target: p99 at most 60 s.
3. Re-screening latency (`--rescreen N`, instead of 1 and 2): N people recorded twice (a
   nickname or a keying slip, same date of birth and postcode), A licensing the first record,
   B the second; after the grant latency on the same register (the baseline), A revokes the
   first records at random moments, and each `rescreen_match` email's arrival for B is timed
   from the revocation's commit. `--data-dir DIR --keep` runs on (and keeps) the cluster in
   DIR, a seeded register: the bench writes to it, so give it a copy.

A throwaway PostgreSQL cluster is started (durable settings unless --fast), or
DATABASE_URL is used when set (it must be an empty database the script may migrate).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
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
from bench.harness import (  # noqa: E402
    connection,
    empty_register,
    load_average,
    load_register,
    percentile,
    release_cluster,
)
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


@contextlib.asynccontextmanager
async def worker_running(url: str, sink: SinkProcess) -> AsyncIterator[None]:
    """A `crosscheck worker` on the default schedule, sending to the sink."""
    env = {**os.environ, "DATABASE_URL": url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(sink.port)}
    with open(sink.path.with_suffix(".worker.log"), "ab") as log:
        worker = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "crosscheck"),
            "worker",
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            await asyncio.sleep(3)  # let the worker start
            yield
        finally:
            worker.terminate()
            await worker.wait()


async def timed_arrivals(
    url: str, sink: SinkProcess, act, alerts_of: str, *args, wait: float = 120
) -> dict[int, float]:
    """With the worker running, `act(conn)` commits events and returns {key: commit time};
    `alerts_of` maps alert ids to those keys ($1 the keys). Returns {key: delay to the sink}."""
    async with worker_running(url, sink):
        conn = await db.connect(url)
        try:
            committed = await act(conn)
            deadline = time.time() + wait
            while True:
                key_of = {r[0]: r[1] for r in await conn.fetch(alerts_of, list(committed), *args)}
                arrived = {key_of[i]: at for at, got in sink.lines() for i in got if i in key_of}
                if len(arrived) == len(committed) or time.time() > deadline:
                    break
                await asyncio.sleep(0.5)
        finally:
            await conn.close()
    return {k: arrived[k] - committed[k] for k in arrived}


def report_delays(what: str, delays: dict[int, float], expected: int) -> dict:
    ordered = sorted(delays.values()) or [float("nan")]
    missing = expected - len(delays)
    result = {
        "events": expected,
        "arrived": len(delays),
        "p50_s": percentile(ordered, 50),
        "p95_s": percentile(ordered, 95),
        "p99_s": percentile(ordered, 99),
        "max_s": ordered[-1],
        "load_average": round(load_average(), 2),
    }
    print(
        f"latency, {what} to SMTP server, default schedule: p50 {result['p50_s']:.1f} s, "
        f"p95 {result['p95_s']:.1f} s, p99 {result['p99_s']:.1f} s, max {result['max_s']:.1f} s "
        f"over {len(delays)} events{f' ({missing} never arrived!)' if missing else ''} "
        f"(target p99 <= 60 s); load average {result['load_average']:.1f}"
    )
    return result


async def two_authorities(conn) -> list[int]:
    rows = await conn.fetch("SELECT id FROM authority WHERE licenses_drivers ORDER BY id LIMIT 2")
    return [r["id"] for r in rows]


async def at_random_moments(count: int, commit) -> dict[int, float]:
    """`commit(n)` count times, 0-2 s apart; {its key: the time it returned}."""
    rng = random.Random(7)
    committed = {}
    for n in range(count):
        committed[await commit(n)] = time.time()
        await asyncio.sleep(rng.uniform(0, 2))
    return committed


GRANT_ALERTS = """
SELECT a.id, e.subject_id FROM alert a JOIN register_event e ON e.id = a.event_id
WHERE e.kind = 'licence_granted' AND e.subject_id = ANY($1)
"""


async def latency(url: str, sink: SinkProcess, grants: int) -> dict:
    async def act(conn):
        a, b = await two_authorities(conn)
        return await at_random_moments(grants, lambda n: conn.fetchval(GRANT, str(n), a, b))

    delays = await timed_arrivals(url, sink, act, GRANT_ALERTS)
    return report_delays("grant", delays, grants)


# --- re-screening latency ----------------------------------------------------------------------

# One person recorded twice: the first record as the revoking authority knows them, the second
# under a nickname or a keying slip, born the same day and living at the same postcode.
VARIANTS = [
    ("Mohammed", "Muhammad", "Khan"),
    ("William", "Bill", "Roberts"),
    ("Katherine", "Katharine", "Hughes"),
    ("Gurpreet", "Gurprit", "Sandhu"),
    ("Stephen", "Steven", "Walker"),
    ("Robert", "Bob", "Davies"),
    ("Dariusz", "Dariusz", "Kowalczik"),
    ("Elizabeth", "Liz", "Evans"),
]

TWICE_RECORDED = """
WITH p AS (
    SELECT g, v.first, v.second, v.surname || CASE WHEN g % 3 = 0 THEN '' ELSE '-Bench' || g END
           AS surname, date '1950-01-01' + (g * 7 % 18000)::integer AS born,
           'S' || (1 + g % 90) || ' ' || (1 + g % 9) || 'AB' AS postcode
    -- a later run on a kept register records other people (other dates of birth)
    FROM generate_series((SELECT count(*) FROM licence WHERE licence_number LIKE 'RSA%'),
                         (SELECT count(*) FROM licence WHERE licence_number LIKE 'RSA%') + $1 - 1) g
    JOIN unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(first, second, surname, n)
      ON v.n = 1 + g % cardinality($2::text[])
), one AS (
    INSERT INTO driver (forenames, surname, date_of_birth, postcode, home_authority_id,
                        recorded_by_authority_id)
    SELECT first, surname, born, postcode, $5, $5 FROM p ORDER BY g
    RETURNING id, forenames, surname, date_of_birth, recorded_by_authority_id
), two AS (
    INSERT INTO driver (forenames, surname, date_of_birth, postcode, home_authority_id,
                        recorded_by_authority_id)
    SELECT second, surname, born, postcode, $5, $6 FROM p ORDER BY g
    RETURNING id, forenames, surname, date_of_birth, recorded_by_authority_id
), names AS (
    INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth,
                             recorded_by_authority_id)
    SELECT id, 'current', forenames, surname, date_of_birth, recorded_by_authority_id FROM one
    UNION ALL
    SELECT id, 'current', forenames, surname, date_of_birth, recorded_by_authority_id FROM two
    RETURNING id
), licences AS (
    INSERT INTO licence (driver_id, authority_id, licence_number, kind, status, granted_on,
                         starts_on, expires_on)
    SELECT id, $5, 'RSA' || id, 'private_hire', 'current', current_date, current_date,
           current_date + 1000 FROM one
    UNION ALL
    SELECT id, $6, 'RSB' || id, 'private_hire', 'current', current_date, current_date,
           current_date + 1000 FROM two
    RETURNING id
)
SELECT (SELECT array_agg(id ORDER BY id) FROM one) AS first_records,
       (SELECT count(*) FROM licences) AS licences, (SELECT count(*) FROM names) AS names
"""

REVOKE = """
WITH l AS (
    UPDATE licence SET status = 'revoked' WHERE driver_id = $1 AND authority_id = $2 RETURNING id
)
INSERT INTO licence_change (licence_id, action, effective_on) SELECT id, 'revoked', current_date FROM l
RETURNING (SELECT $1::bigint)
"""

# The rescreen_match alerts to the authority licensing the second record, by the first.
RESCREEN_ALERTS = """
SELECT a.id, CASE WHEN p.driver_a = ANY($1) THEN p.driver_a ELSE p.driver_b END
FROM alert a JOIN possible_duplicate p ON p.id = a.duplicate_id
WHERE a.kind = 'rescreen_match' AND a.recipient_authority_id = $2
  AND (p.driver_a = ANY($1) OR p.driver_b = ANY($1))
"""


async def record_twice(url: str, people: int) -> tuple[list[int], int, int]:
    """(first records, A, B): `people` drivers recorded twice, A licensing the first record
    and B the second. Their grants are old news: the queue of unprocessed events is emptied,
    so no pair is raised before A revokes."""
    async with connection(url) as conn:
        a, b = await two_authorities(conn)
        await conn.execute("UPDATE authority SET alert_email = lower(code) || '@alerts.bench'")
        columns = [list(c) for c in zip(*VARIANTS, strict=True)]
        row = await conn.fetchrow(TWICE_RECORDED, people, *columns, a, b)
        await conn.execute("DELETE FROM alert_event_queue")
        await conn.execute("DELETE FROM rescreen_queue")
        drivers = await conn.fetchval("SELECT count(*) FROM driver")
    print(
        f"re-screening: {people} drivers recorded twice ({row['licences']} licences) in a "
        f"register of {drivers:,} drivers",
        flush=True,
    )
    return list(row["first_records"]), a, b


async def rescreen_latency(url: str, sink: SinkProcess, people: int, grants: int) -> dict:
    """The grant latency on the same register first (the baseline), then the re-screening's."""
    first_records, a, b = await record_twice(url, people)
    baseline = await latency(url, sink, grants) if grants else None

    async def act(conn):
        return await at_random_moments(people, lambda n: conn.fetchval(REVOKE, first_records[n], a))

    print(f"load average {load_average():.1f} before the revocations", flush=True)
    delays = await timed_arrivals(url, sink, act, RESCREEN_ALERTS, b, wait=300)
    result = report_delays(
        "revocation to the other record's authority (rescreen_match)", delays, people
    )
    if baseline:
        result["p99_ratio_to_grant"] = result["p99_s"] / baseline["p99_s"]
        print(
            f"re-screening p99 / grant p99 on the same register: {result['p99_ratio_to_grant']:.2f}"
        )
    return result


async def open_register(args) -> tuple[str, Path | None]:
    """(URL, cluster folder or None): the --data-dir cluster (kept with --keep), else as
    empty_register; with the name reference and match model the re-screening reads."""
    folder: Path | None
    if args.data_dir:
        folder = Path(args.data_dir)
        cluster = pgcluster.start(folder, fast=args.fast)
        await pgcluster.create_database(cluster)
        url = cluster.url()
    else:
        url, folder = await empty_register(args.fast)
    if args.rescreen:
        async with connection(url) as conn:
            await load_register(conn, names=True, match_model=True)
    return url, folder


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--authorities", type=int, default=300)
    parser.add_argument("--grants", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--rescreen",
        type=int,
        default=0,
        help="instead: N drivers recorded twice, revocations timed to the other record's authority",
    )
    parser.add_argument("--data-dir", help="a cluster folder (a seeded register) to run on")
    parser.add_argument("--keep", action="store_true", help="keep the --data-dir cluster (stopped)")
    parser.add_argument("--fast", action="store_true", help="PostgreSQL without fsync")
    args = parser.parse_args()

    url, folder = await open_register(args)
    work = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    try:
        with SinkProcess(work / "sink.txt") as sink:
            if args.rescreen:
                await rescreen_latency(url, sink, args.rescreen, args.grants)
                return
            await make_pending_alerts(url, args.alerts, args.authorities)
            await throughput(url, sink, args.alerts, args.rounds)
            if args.grants:
                await latency(url, sink, args.grants)
    finally:
        release_cluster(folder, keep=args.keep)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
