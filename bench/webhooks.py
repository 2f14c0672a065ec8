"""Webhook delivery: throughput against the same signed POSTs sent straight, and
commit-to-delivery latency.

    uv run python bench/webhooks.py [--events 10000] [--receivers 50] [--fast]

1. Throughput. E register events (drivers recorded by one authority) are committed, and R
   subscriptions of that authority, each with its own receiver on loopback (one port each,
   served by a process of their own), take every event: E x R deliveries. The real
   pipeline (alerts/webhooks.py: fan-out from the change feed, claim under a lease, sign,
   POST, record) delivers them all, fanning out as it sends. Then the very same signed POSTs
   are sent straight on the very same client (alerts/poster.py: its kept-alive connections,
   4 per receiver, 64 in flight) with as many outstanding as the pipeline's window, recording
   nothing. The figure is the ratio of deliveries a second (target at least 0.7).
2. Latency. A `crosscheck worker` sends as in service (woken by each commit, every
   ALERT_INTERVAL_SECONDS as the fallback) while events are committed at a steady pace; each
   delivery's arrival at its receiver is timed from its event's commit. Target: p99 <= 10 s.
3. Faults: a `crosscheck worker` delivering is killed with SIGKILL mid-batch and a second one
   finishes; nothing may be lost, and duplicates stay within the claims the dead worker held.

A throwaway PostgreSQL cluster is started (durable settings unless --fast), or DATABASE_URL
is used when set (an empty database the script may migrate).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import hashlib
import hmac
import multiprocessing
import os
import queue
import statistics
import sys
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alerts import webhooks as pipeline  # noqa: E402
from alerts.config import WebhookConfig  # noqa: E402
from bench.harness import empty_register, release_cluster  # noqa: E402
from licensing import db  # noqa: E402
from registry import paging, webhooks  # noqa: E402
from registry.actor import Actor  # noqa: E402

# --- the receivers, in a process of their own ----------------------------------------------

RESPONSE = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


class Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive server: answers 204, logs "<arrival> <webhook-id>"."""

    def __init__(self, out) -> None:
        self.out, self.buffer = out, b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length, msg_id, stamp, signature = 0, "-", "-", "-"
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                name = name.lower()
                if name == "content-length":
                    length = int(value)
                elif name == "webhook-id":
                    msg_id = value.strip()
                elif name == "webhook-timestamp":
                    stamp = value.strip()
                elif name == "webhook-signature":
                    signature = value.strip().replace(" ", "|")
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            # arrival, id, then what a receiver verifies: timestamp, signatures, the body
            self.out.write(
                f"{time.time():.6f} {msg_id} {stamp} {signature} "
                f"{base64.b64encode(body).decode()}\n"
            )
            self.transport.write(RESPONSE)


def _run_receivers(ports: list[int], path: str, bound, stop) -> None:
    """Serve on `ports` (0: a port the system picks, so no other process can take it between
    choosing and binding); the ports bound are sent back through `bound`."""

    async def listen(loop, out, port: int):
        deadline = time.monotonic() + 60
        while True:  # a port given back (the spare coming up again) may be briefly in use
            try:
                return await loop.create_server(lambda: Receiver(out), "127.0.0.1", port)
            except OSError:
                if port == 0 or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.5)

    async def serve() -> None:
        out = open(path, "a", buffering=1 << 16)
        loop = asyncio.get_running_loop()
        servers = [await listen(loop, out, port) for port in ports]
        bound.put([server.sockets[0].getsockname()[1] for server in servers])
        while not stop.is_set():
            await asyncio.sleep(0.2)
            out.flush()
        for server in servers:
            server.close()
        out.close()

    asyncio.run(serve())


class Receivers:
    """R receivers in a process of their own; `ports` (for a receiver coming back) or ports
    the system picks, known once started."""

    def __init__(
        self, count: int, folder: Path, name: str = "received", ports: list[int] | None = None
    ) -> None:
        self.ports = ports or [0] * count
        self.log = folder / f"{name}.log"
        if not self.log.exists():
            self.log.write_text("")
        self.bound, self.stop = multiprocessing.Queue(), multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=_run_receivers, args=(self.ports, str(self.log), self.bound, self.stop)
        )

    def __enter__(self) -> Receivers:
        self.process.start()
        try:
            self.ports = self.bound.get(timeout=90)
        except queue.Empty:
            self.process.kill()
            raise RuntimeError("the receivers did not start (see the error above)") from None
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.process.join(10)

    def arrivals(self) -> dict[str, float]:
        """webhook-id -> first arrival time."""
        seen: dict[str, float] = {}
        for line in self.log.read_text().splitlines():
            at, msg_id = line.split()[:2]
            seen.setdefault(msg_id, float(at))
        return seen

    def ids(self) -> list[str]:
        """Every arrival's webhook-id, duplicates included."""
        return [line.split()[1] for line in self.log.read_text().splitlines()]

    def unverified(self, secrets_: list[str]) -> int:
        """Arrivals whose signature does not verify under any of the secrets, checked as a
        receiver would (Standard Webhooks, written here without the service's code)."""
        keys = [base64.b64decode(s.removeprefix("whsec_")) for s in secrets_]
        bad = 0
        for line in self.log.read_text().splitlines():
            _at, msg_id, stamp, signatures, body = line.split()
            signed = f"{msg_id}.{stamp}.".encode() + base64.b64decode(body)
            good = {
                base64.b64encode(hmac.new(k, signed, hashlib.sha256).digest()).decode()
                for k in keys
            }
            sent = {part.partition(",")[2] for part in signatures.split("|")}
            bad += not (good & sent)
        return bad

    def count(self) -> int:
        return self.log.read_text().count("\n")


# --- the database -------------------------------------------------------------------------


# Drivers recorded by the bench authority: one driver_recorded event each, in its feed.
DRIVERS = """
INSERT INTO driver (forenames, surname, date_of_birth, home_authority_id, recorded_by_authority_id)
SELECT 'Bench' || g, 'Driver', date '1970-01-01' + (g % 9000), $2, $2
FROM generate_series($3::integer, $3 + $1 - 1) g
RETURNING id
"""
AUTHORITY = "SELECT id FROM authority WHERE name = 'Sheffield'"
EVENT_OF = "SELECT id, event_id FROM webhook_delivery"


async def subscribe_all(conn, authority_id: int, ports: list[int]) -> None:
    actor = Actor(None, authority_id)
    for port in ports:
        new = webhooks.NewSubscription(f"http://127.0.0.1:{port}/hooks", ["driver_recorded"])
        await webhooks.subscribe(conn, actor, new, allow_loopback=True)


async def commit_events(conn, authority_id: int, count: int, start: int, batch: int) -> dict:
    """Commit `count` events in transactions of `batch`; register_event id -> commit time."""
    committed: dict[int, float] = {}
    done = 0
    while done < count:
        n = min(batch, count - done)
        async with conn.transaction():
            await conn.fetch(DRIVERS, n, authority_id, start + done)
            ids = await conn.fetch(
                "SELECT id FROM register_event WHERE txid = pg_current_xact_id()"
            )
        at = time.time()
        committed.update({r["id"]: at for r in ids})
        done += n
    return committed


def _config(concurrency: int) -> WebhookConfig:
    return WebhookConfig(allow_loopback=True, concurrency=concurrency)


def _quantile(sorted_values: list[float], q: float) -> float:
    return sorted_values[int(q * (len(sorted_values) - 1))]


# --- throughput ---------------------------------------------------------------------------


async def throughput(url: str, receivers: Receivers, events: int, concurrency: int) -> dict:
    config = _config(concurrency)
    pool = await db.create_pool(url, min_size=2, max_size=8, statement_timeout_ms=600_000)
    conn = await asyncpg.connect(url)
    http = pipeline.client(config)  # one client: the straight run reuses its connections
    try:
        authority_id = await conn.fetchval(AUTHORITY)
        await subscribe_all(conn, authority_id, receivers.ports)
        await commit_events(conn, authority_id, events, 0, 500)
        await feed_settled(conn)
        expected = events * len(receivers.ports)

        started = time.perf_counter()
        committed = asyncio.Event()  # as the Listener sets it: the run fans out as it sends
        committed.set()
        report = await pipeline.deliver_due(pool, config, http, news=committed)
        pipeline_seconds = time.perf_counter() - started
        assert report.queued == expected, (report.queued, expected)
        assert report.delivered == expected, report
        straight_seconds = await send_straight(conn, http, config.per_receiver)
    finally:
        await http.aclose()
        await conn.close()
        await pool.close()
    return {
        "deliveries": expected,
        "pipeline_per_second": expected / pipeline_seconds,
        "straight_per_second": expected / straight_seconds,
        "ratio": straight_seconds / pipeline_seconds,
    }


# Any event the feed does not show yet: one whose transaction is not older than every running
# one (an autovacuum ANALYZE holds an older transaction id for a while on a busy machine).
UNSETTLED = """
SELECT EXISTS (SELECT FROM register_event WHERE txid >= pg_snapshot_xmin(pg_current_snapshot()))
"""


async def feed_settled(conn, timeout: float = 120.0) -> None:
    """Wait until the feed shows every committed event, so one fan-out queues them all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await conn.fetchval(UNSETTLED):
            return
        await asyncio.sleep(0.1)


async def send_straight(conn, http, per_receiver: int) -> float:
    """The very same signed POSTs (same bodies, ids, secrets, signing) on the same client (its
    kept-alive connections, per-receiver lanes and in-flight bound), sent the way the pipeline
    sends them, `per_receiver` tasks per receiver each taking its next POST in feed order, but
    with nothing claimed or recorded."""
    targets = {
        r["id"]: (r["url"], [r["secret"]])
        for r in await conn.fetch("SELECT id, url, secret FROM webhook_subscription")
    }
    queues: dict[int, collections.deque] = collections.defaultdict(collections.deque)
    for row in await conn.fetch(
        "SELECT id, subscription_id, payload FROM webhook_delivery ORDER BY id"
    ):
        queues[row["subscription_id"]].append((row["id"], row["payload"].encode()))

    async def sender(sub: int) -> None:
        url, secrets_ = targets[sub]
        queue = queues[sub]
        while queue:
            delivery_id, raw = queue.popleft()
            msg_id = webhooks.message_id(delivery_id)

            def signed(msg_id: str = msg_id, raw: bytes = raw) -> dict[str, str]:
                return webhooks.headers(secrets_, msg_id, int(time.time()), raw)

            status = await http.post(url, raw, signed)
            assert status == 204, status

    started = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for sub in queues:
            for _ in range(per_receiver):
                group.create_task(sender(sub))
    return time.perf_counter() - started


# --- latency ------------------------------------------------------------------------------


async def latency(
    url: str, receivers: Receivers, events: int, interval: float, pace: float
) -> dict:
    """Events committed at `pace` a second while a `crosscheck worker` sends webhooks as in
    service: woken by each commit (LISTEN/NOTIFY), every `interval` seconds as the fallback."""
    conn = await asyncpg.connect(url)
    await _reset_to_feed_end(conn)
    authority_id = await conn.fetchval(AUTHORITY)
    worker = await _worker(url, receivers.log.with_suffix(".worker.log"), interval)
    # warm up: the worker is listening once a first event has reached every receiver
    receivers.log.write_text("")
    await commit_events(conn, authority_id, 1, 9_000_000, 1)
    while receivers.count() < len(receivers.ports):  # noqa: ASYNC110 - a file
        await asyncio.sleep(0.1)
    receivers.log.write_text("")
    expected = events * len(receivers.ports)
    committed: dict[int, float] = {}
    batch = max(1, int(pace / 10))
    start = 10_000_000
    for n in range(0, events, batch):
        committed.update(
            await commit_events(conn, authority_id, min(batch, events - n), start + n, batch)
        )
        await asyncio.sleep(batch / pace)
    deadline = time.time() + 600
    while receivers.count() < expected and time.time() < deadline:  # noqa: ASYNC110 - a file
        await asyncio.sleep(1)
    worker.terminate()
    await worker.wait()
    event_of = {webhooks.message_id(r["id"]): r["event_id"] for r in await conn.fetch(EVENT_OF)}
    await conn.close()
    arrivals = receivers.arrivals()
    waits = sorted(
        at - committed[event_of[m]] for m, at in arrivals.items() if event_of.get(m) in committed
    )
    return {
        "deliveries": len(waits),
        "expected": expected,
        "p50": statistics.median(waits),
        "p95": _quantile(waits, 0.95),
        "p99": _quantile(waits, 0.99),
        "max": waits[-1],
    }


async def _reset_to_feed_end(conn) -> None:
    """No deliveries; every subscription's cursor at the newest event."""
    await conn.execute("TRUNCATE webhook_delivery")
    last = await conn.fetchrow(
        "SELECT txid::text::bigint AS t, id FROM register_event ORDER BY txid DESC, id DESC LIMIT 1"
    )
    await conn.execute(
        "UPDATE webhook_subscription SET feed_cursor = $1, status = 'active', "
        "paused_reason = NULL, failures = 0",
        paging.encode((last["t"], last["id"])),
    )


async def _worker(url: str, log: Path, interval: float = 1.0):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "ALERT_INTERVAL_SECONDS": str(interval),
        "ALERT_SWEEP_SECONDS": "1",
    }
    out = open(log, "ab")
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "crosscheck"),
        "worker",
        "--job",
        "send_webhooks",
        "--job",
        "sweep_leases",
        env=env,
        stdout=out,
        stderr=out,
    )


async def kill_mid_batch(url: str, receivers: Receivers, events: int) -> dict:
    """A `crosscheck worker` is killed with SIGKILL once a fifth of the deliveries have
    arrived; a second worker finishes. Lost: expected ids never received; duplicates:
    arrivals beyond the first of each webhook-id."""
    conn = await asyncpg.connect(url)
    await _reset_to_feed_end(conn)
    receivers.log.write_text("")
    authority_id = await conn.fetchval(AUTHORITY)
    await commit_events(conn, authority_id, events, 20_000_000, 500)
    expected = events * len(receivers.ports)
    log = receivers.log.with_suffix(".worker.log")
    first = await _worker(url, log)
    while receivers.count() < expected // 5:  # noqa: ASYNC110 - a file
        await asyncio.sleep(0.05)
    first.kill()  # SIGKILL: no chance to record or release anything
    await first.wait()
    at_kill = receivers.count()
    second = await _worker(url, log)
    deadline = time.time() + 600
    while len(receivers.arrivals()) < expected and time.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(1)
    second.terminate()
    await second.wait()
    ids = {webhooks.message_id(r["id"]) for r in await conn.fetch(EVENT_OF)}
    await conn.close()
    arrivals = receivers.ids()
    unique = set(arrivals)
    return {
        "expected": expected,
        "at_kill": at_kill,
        "lost": len(ids - unique),
        "duplicates": len(arrivals) - len(unique),
    }


SECRETS = "SELECT secret FROM webhook_subscription"
PAUSED = "SELECT id FROM webhook_subscription WHERE status = 'paused'"


async def receiver_down(
    url: str, receivers: Receivers, work: Path, events: int, down: float, pace: float
) -> dict:
    """One more subscription whose receiver (a process of its own) is down for `down`
    seconds while events commit at `pace` a second, then comes back on the same port. Its
    deliveries fail, back off, and pause the subscription after WEBHOOK_PAUSE_AFTER failures
    in a row; once the receiver is back it is resumed, as its administrator would. Nothing
    may be lost; every arrival must verify."""
    conn = await asyncpg.connect(url)
    authority_id = await conn.fetchval(AUTHORITY)
    with Receivers(1, work, "spare") as spare:  # up only to learn its port, then down
        pass
    # an authority may have 50 subscriptions: the spare takes the place of the newest
    await conn.execute(
        "DELETE FROM webhook_subscription WHERE id = (SELECT max(id) FROM webhook_subscription)"
    )
    await subscribe_all(conn, authority_id, spare.ports)
    await _reset_to_feed_end(conn)
    receivers.log.write_text("")
    worker = await _worker(url, receivers.log.with_suffix(".worker.log"))
    went_down = time.time()  # the spare is down from the first event
    for n in range(events):
        await commit_events(conn, authority_id, 1, 30_000_000 + n, 1)
        await asyncio.sleep(1 / pace)
    await asyncio.sleep(max(0.0, went_down + down - time.time()))
    paused = await conn.fetchval(
        "SELECT count(*) FROM webhook_subscription WHERE status = 'paused'"
    )
    with Receivers(1, work, "spare", ports=spare.ports) as back:
        back_at = time.time()
        for sub_id in await conn.fetch(
            PAUSED
        ):  # its administrator resumes it (POST .../resumption)
            await webhooks.resume(conn, Actor(None, authority_id), sub_id["id"])
        ids = {webhooks.message_id(r["id"]) for r in await conn.fetch(EVENT_OF)}
        deadline = time.time() + 900
        while time.time() < deadline:
            got = set(receivers.arrivals()) | set(back.arrivals())
            if ids <= got:
                break
            await asyncio.sleep(1)
        caught_up = time.time() - back_at
        worker.terminate()
        await worker.wait()
        secrets_ = [r["secret"] for r in await conn.fetch(SECRETS)]
        arrivals = receivers.ids() + back.ids()
        unverified = receivers.unverified(secrets_) + back.unverified(secrets_)
    await conn.execute(
        "DELETE FROM webhook_subscription WHERE url LIKE $1", f"%:{spare.ports[0]}/%"
    )
    await conn.close()
    return {
        "expected": len(ids),
        "lost": len(ids - set(arrivals)),
        "duplicates": len(arrivals) - len(set(arrivals)),
        "unverified": unverified,
        "paused": paused,
        "caught_up": caught_up,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--receivers", type=int, default=50)
    parser.add_argument("--latency-events", type=int, default=2_000)
    parser.add_argument("--pace", type=float, default=50.0, help="events a second (latency)")
    parser.add_argument("--interval", type=float, default=5.0, help="ALERT_INTERVAL_SECONDS")
    parser.add_argument("--concurrency", type=int, default=64, help="WEBHOOK_SEND_CONCURRENCY")
    parser.add_argument("--fault-events", type=int, default=400, help="0: no fault run")
    parser.add_argument("--down-events", type=int, default=100, help="0: no receiver outage")
    parser.add_argument("--down-seconds", type=float, default=120.0)
    parser.add_argument("--fast", action="store_true", help="fsync off (not durable)")
    args = parser.parse_args()
    url, folder = await empty_register(args.fast)
    work = Path(folder or "/tmp") / "webhook-bench"
    work.mkdir(parents=True, exist_ok=True)
    try:
        with Receivers(args.receivers, work) as receivers:
            t = await throughput(url, receivers, args.events, args.concurrency)
            print(
                f"throughput: {t['deliveries']} deliveries ({args.events} events x "
                f"{args.receivers} receivers): pipeline {t['pipeline_per_second']:.0f}/s "
                f"(fan-out included), straight "
                f"{t['straight_per_second']:.0f}/s, ratio {t['ratio']:.2f} (target >= 0.7)"
            )
            lat = await latency(url, receivers, args.latency_events, args.interval, args.pace)
            print(
                f"latency: {lat['deliveries']}/{lat['expected']} deliveries, commit to "
                f"delivery p50 {lat['p50']:.2f} s, p95 {lat['p95']:.2f} s, p99 {lat['p99']:.2f} s, max "
                f"{lat['max']:.2f} s (target p99 <= 10 s; {args.pace:.0f} events/s, "
                f"interval {args.interval} s)"
            )
            if args.fault_events:
                f = await kill_mid_batch(url, receivers, args.fault_events)
                print(
                    f"kill -9 mid-batch: {f['expected']} deliveries, worker killed after "
                    f"{f['at_kill']} arrived; lost {f['lost']}, duplicates {f['duplicates']}"
                )
            if args.down_events:
                d = await receiver_down(
                    url, receivers, work, args.down_events, args.down_seconds, 1.0
                )
                print(
                    f"receiver down {args.down_seconds:.0f} s: {d['expected']} deliveries, lost "
                    f"{d['lost']}, duplicates {d['duplicates']}, signatures failing "
                    f"{d['unverified']}; subscriptions paused {d['paused']} (resumed when back), "
                    f"all arrived {d['caught_up']:.0f} s after the receiver came back"
                )
    finally:
        release_cluster(folder)


if __name__ == "__main__":
    asyncio.run(main())
