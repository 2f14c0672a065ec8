"""Delivering webhooks: the outbox, lease and backoff design of the alerts, for HTTP POSTs.

Fan-out: each subscription keeps a cursor in its authority's change feed (registry/feed.py).
A run reads the events after it (once for all of an authority's subscriptions at the same
place), queues one delivery per event of a subscribed kind, and moves the cursors on, in one
transaction per batch of events (small, so that the sending starts on the first batch while
the rest is queued); the feed never shows an event behind a cursor afterwards, so nothing is
missed, and (subscription, event) is unique, so nothing is queued twice.

Delivery: a run (Round) keeps a window of at most WebhookConfig.batch_size deliveries claimed
under a lease (SKIP LOCKED, the process's liveness key, as alerts/outbox.py), topping it up
with one statement once a quarter of it is free; no subscription has more than its fair share
of the window waiting to be sent. Each receiver has up to `per_receiver` sending tasks and
keep-alive connections (alerts/poster.py), so a slow or dead one holds only its own lane.
Results are recorded together, one statement per kind, once the last record has ended and
100 have come or 5 ms have passed since the first of them: delivered on a 2xx, else put back
with exponential backoff; dead after WEBHOOK_MAX_ATTEMPTS. The claim, the record and the
fan-out each run beside the sending, one of each at a time, so the sending never waits for a
statement (bench/README.md has the figures). A process that dies leaves its claims
under a lease that the alerts' sweep statement re-queues (its liveness lock is gone): those
are sent again, which is the duplicate bound (at most batch_size per dead process;
receivers de-duplicate on webhook-id). A claim changes no indexed column (migrations 0029),
so PostgreSQL rewrites the row in place without new index entries (a HOT update): a delivery
costs its insert, that in-page update and the update that records it.

Waking: register_event's statement trigger (migrations, notify_register_event) NOTIFYs
CHANNEL, which PostgreSQL delivers at commit. The scheduler's process LISTENs (Listener) and
runs its webhooks job at once, and the job goes round again while more events commit; the
interval (ALERT_INTERVAL_SECONDS) stays as the fallback for a lost connection or a notice
missed; events that commit during a run are fanned out beside its sending. One HTTP client
serves the process for its life (keep-alive connections).

A subscription whose deliveries fail WEBHOOK_PAUSE_AFTER times in a row, with no success
between, is paused (its deliveries wait, nothing is dropped) and the administrator who made it
is emailed; resuming it sends what waited.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec

from alerts import outbox, poster
from alerts.config import WebhookConfig
from alerts.transports import Email, Transport, new_message_id
from registry import feed, webhooks
from registry.actor import SYSTEM, Actor, acting

log = logging.getLogger("crosscheck.webhooks")


# Fan-out -------------------------------------------------------------------------------------

# Every subscription, locked for the round (another process's fan-out skips them meanwhile).
SUBSCRIPTIONS = """
SELECT id, authority_id, feed_cursor FROM webhook_subscription
ORDER BY authority_id, feed_cursor, id
FOR UPDATE SKIP LOCKED
"""
# One row per (event, subscription of the group that takes its kind), event by event: the
# deliveries of one event to its subscribers are neighbours in the queue, so a claim, which
# takes the queue in order, reaches every receiver at once.
QUEUE = """
INSERT INTO webhook_delivery (subscription_id, event_id, event_type, payload)
SELECT s.id, e.id, e.kind, e.payload
FROM unnest($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS e (id, kind, payload, n)
JOIN webhook_subscription s ON s.id = ANY($1::bigint[]) AND e.kind = ANY(s.event_types)
ORDER BY e.n, s.id
ON CONFLICT (subscription_id, event_id) DO NOTHING
"""
MOVE_CURSOR = "UPDATE webhook_subscription SET feed_cursor = $2 WHERE id = ANY($1::bigint[])"


def payload(event: feed.Event) -> str:
    """The body POSTed: Standard Webhooks' {type, timestamp, data}; ids and kinds only."""
    return msgspec.json.encode(
        {"type": event.kind, "timestamp": event.occurred_at, "data": event}
    ).decode()


async def fan_out(pool: asyncpg.Pool, batch: int = 250) -> int:
    """Queue a delivery for every new event of a subscribed kind; returns how many. One
    transaction reads up to `batch` events for each group of subscriptions at the same place
    in the same authority's feed (usually all of an authority's), until none is behind."""
    queued = 0
    async with pool.acquire() as conn:
        while True:
            behind = False
            async with acting(conn, SYSTEM):
                subscriptions = await conn.fetch(SUBSCRIPTIONS)
                groups: dict[tuple[int, str | None], list[int]] = {}
                for sub in subscriptions:
                    groups.setdefault((sub["authority_id"], sub["feed_cursor"]), []).append(
                        sub["id"]
                    )
                for (authority_id, cursor), ids in groups.items():
                    events, after = await feed.events(
                        conn, Actor(None, authority_id), after=cursor, limit=batch
                    )
                    if events:
                        status = await conn.execute(
                            QUEUE,
                            ids,
                            [e.id for e in events],
                            [e.kind for e in events],
                            [payload(e) for e in events],
                        )
                        queued += int(status.split()[-1])
                    if after != cursor:
                        await conn.execute(MOVE_CURSOR, ids, after)
                    behind = behind or len(events) == batch
            if not behind:
                return queued


# Delivery ------------------------------------------------------------------------------------

# Due deliveries of active subscriptions in queue order, under one lease, leaving out the
# subscriptions that already hold their share of this process's window ($5) and the deliveries
# that failed earlier in the same run ($6: a retry waits for the next run). The paused ones
# are read once (an ARRAY, not a join) so that the scan walks webhook_delivery_due in order
# and stops at the limit rather than sorting every pending delivery.
CLAIM = """
WITH due AS (
    SELECT d.id FROM webhook_delivery d
    WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.status = 'pending'
      AND d.next_attempt_at <= now()
      AND d.subscription_id <> ALL(ARRAY(
          SELECT s.id FROM webhook_subscription s WHERE s.status <> 'active'))
      AND d.subscription_id <> ALL($5::bigint[]) AND d.id <> ALL($6::bigint[])
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_delivery d
SET status = 'sending', attempts = d.attempts + 1, claim_id = $2,
    lease_until = now() + make_interval(secs => $3), claimed_by = $4
FROM due WHERE d.id = due.id
RETURNING d.id, d.subscription_id, d.payload
"""
TARGETS = """
SELECT id, url, secret,
       CASE WHEN previous_secret_until > now() THEN previous_secret END AS previous_secret
FROM webhook_subscription WHERE id = ANY($1::bigint[])
"""
# Delivered, and their subscriptions' failures in a row back to none: one statement, so one
# round trip (no trigger on these tables reads an actor; the claim writes without one too).
MARK_DELIVERED = """
WITH delivered AS (
    UPDATE webhook_delivery
    SET status = 'delivered', delivered_at = now(), lease_until = NULL, claim_id = NULL,
        claimed_by = NULL, last_error = NULL
    WHERE id = ANY($1::bigint[])
      AND ((status = 'sending' AND claim_id = $2) OR status = 'pending')
)
UPDATE webhook_subscription SET failures = 0, failing_since = NULL
WHERE id = ANY($3::bigint[]) AND failures > 0
"""
MARK_FAILED = f"""
UPDATE webhook_delivery d
SET status = CASE WHEN d.attempts >= $4 THEN 'dead' ELSE 'pending' END,
    dead_at = CASE WHEN d.attempts >= $4 THEN now() END,
    next_attempt_at = {outbox.backoff("$5", "$6")},
    lease_until = NULL, claim_id = NULL, claimed_by = NULL, last_error = f.why
FROM unnest($1::bigint[], $3::text[]) AS f (id, why)
WHERE d.id = f.id AND d.status = 'sending' AND d.claim_id = $2
"""
RELEASE = """
UPDATE webhook_delivery
SET status = 'pending', attempts = greatest(attempts - 1, 0), lease_until = NULL,
    claim_id = NULL, claimed_by = NULL
WHERE id = ANY($1::bigint[]) AND status = 'sending' AND claim_id = $2
"""
# Failures in a row; past the threshold the subscription pauses (once: RETURNING says so).
FAILED = """
UPDATE webhook_subscription s
SET failures = s.failures + f.n, failing_since = coalesce(s.failing_since, now()),
    status = CASE WHEN s.failures + f.n >= $3 THEN 'paused' ELSE s.status END,
    paused_reason = CASE WHEN s.failures + f.n >= $3 AND s.status = 'active'
                         THEN $4 ELSE s.paused_reason END
FROM unnest($1::bigint[], $2::integer[]) AS f (id, n)
WHERE s.id = f.id
RETURNING s.id, s.url, s.status = 'paused' AND s.failures - f.n < $3 AS just_paused,
          (SELECT u.email::text FROM app_user u WHERE u.id = s.created_by) AS owner_email
"""
# The deliveries being sent are found through the due index (migrations 0029: it has no
# index of its own, so that a claim rewrites the row in place).
SWEEP = outbox.sweep_statement(
    "webhook_delivery", scope=" AND x.delivered_at IS NULL AND x.dead_at IS NULL"
)
UNTRIED = "not tried: the sender was stopping"  # handed back, the attempt not counted
# A record waits for this many results, or this long after the first of them: on a quiet
# machine a record ends within a millisecond, and one statement per few deliveries would
# cost the database more than the deliveries themselves.
RECORD_AT = 100
RECORD_AFTER = 0.005


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    paused: int = 0
    queued: int = 0  # fanned out during the run, when events committed meanwhile


class Target:
    """One subscription's URL and secrets."""

    def __init__(self, row: asyncpg.Record) -> None:
        self.url: str = row["url"]
        self.secrets = [row["secret"]] + (
            [row["previous_secret"]] if row["previous_secret"] else []
        )


async def _attempt(
    client: poster.Poster, target: Target, delivery_id: int, body: str
) -> str | None:
    """POST one delivery; None on a 2xx, otherwise why it failed (no body or headers kept)."""
    raw = body.encode()
    msg_id = webhooks.message_id(delivery_id)

    def signed() -> dict[str, str]:  # at sending time: the timestamp is the attempt's
        return webhooks.headers(target.secrets, msg_id, int(time.time()), raw)

    try:
        status = await client.post(target.url, raw, signed)
    except poster.Refused as exc:
        return str(exc)
    except TimeoutError:
        return "the receiver did not answer in time"
    except poster.Unreachable as exc:
        return f"the receiver could not be reached ({exc})"
    if 200 <= status < 300:
        return None
    return f"the receiver answered {status}"


class Round:
    """One run of the sender. Claims top up a window of at most `batch_size` deliveries held
    by this process (the duplicate bound if it dies), a few per subscription so that every
    receiver is sent to at once; results are recorded together, one statement per kind. The
    claiming, the recording and the fan-out each run in a task of their own beside the
    sending, so the sending never waits for the database: a receiver's share is free again as
    soon as its answer comes, and the window as soon as its results are recorded."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        config: WebhookConfig,
        client: poster.Poster,
        owner: int | None,
        stopping: asyncio.Event,
        news: asyncio.Event | None,
    ) -> None:
        self.pool, self.config, self.client = pool, config, client
        self.owner, self.stopping, self.news = owner, stopping, news
        self.claim_id = uuid.uuid4()
        self.report = DeliveryReport()
        self.held: dict[int, int] = {}  # delivery id -> subscription, claimed and not recorded
        self.per_subscription: dict[int, int] = {}  # queued or in flight, not yet answered
        self.results: list[tuple[int, str | None]] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.targets: dict[int, Target] = {}
        self.queues: dict[int, collections.deque[tuple[int, str]]] = {}
        self.senders: dict[int, int] = {}  # subscription -> its sending tasks now
        self.failed: set[int] = set()  # tried once in this run already
        self.wake = asyncio.Event()  # something for the run's loop to do
        self.answered = 0  # answers so far
        self.blocked: int | None = None  # answers when a claim found only full subscriptions
        self.drained = False  # nothing due that this run may claim
        self.fan_outs = 0  # fan-outs started (a claim beside one may miss its deliveries)
        self.claiming: asyncio.Task[None] | None = None
        self.recording: asyncio.Task[None] | None = None
        self.first_result_at = 0.0  # when the oldest result not yet being recorded came
        self.fanning: asyncio.Task[int] | None = None

    async def run(self, transport: Transport | None, mail_from: str) -> DeliveryReport:
        try:
            while True:
                self._fan_out()
                self._collect()
                if self._may_claim():
                    self.claiming = self._background(self._claim())
                if self._may_record():
                    self.recording = self._background(self._record(transport, mail_from))
                if self._finished():
                    break
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), timeout=self._nap())
        finally:
            await self._stop(transport, mail_from)
        return self.report

    def _background(self, work: Any) -> asyncio.Task[Any]:
        """A task beside the sending that wakes the loop when it ends."""
        task = asyncio.create_task(work)
        task.add_done_callback(lambda _task: self.wake.set())
        return task

    def _fan_out(self) -> None:
        """Queue the register events committed since the last fan-out (the Listener's flag),
        beside the sending, which claims each fan-out transaction's deliveries as it commits."""
        if self.fanning is not None and self.fanning.done():
            self.report.queued += self.fanning.result()
            self.fanning, self.drained = None, False
        if self.fanning is None and self._news():
            self.fanning = self._background(fan_out(self.pool))
            self.fan_outs += 1

    def _news(self) -> bool:
        """Register events committed since the last fan-out (the Listener's flag); cleared."""
        if self.news is None or not self.news.is_set() or self.stopping.is_set():
            return False
        self.news.clear()
        return True

    def _collect(self) -> None:
        """The claim and the record that have ended: raise what failed in them."""
        claiming, recording = self.claiming, self.recording
        if claiming is not None and claiming.done():
            self.claiming = None
            claiming.result()
        if recording is not None and recording.done():
            self.recording = None
            recording.result()

    def _may_claim(self) -> bool:
        """Top the window up once a quarter of it is free (a claim is one statement); after a
        claim that found only subscriptions holding their share, once one of them answers."""
        return (
            self.claiming is None
            and not self.drained
            and not self.stopping.is_set()
            and self.blocked in (None, self.answered)
            and len(self.held) <= self.config.batch_size * 3 // 4
        )

    def _may_record(self) -> bool:
        if self.recording is not None or not self.results:
            return False
        waited = time.monotonic() - self.first_result_at
        return len(self.results) >= RECORD_AT or waited >= RECORD_AFTER or not self.tasks

    def _nap(self) -> float:
        """How long the loop may sleep when nothing wakes it: results wait for their record."""
        if self.results and self.recording is None:
            return max(0.0, self.first_result_at + RECORD_AFTER - time.monotonic())
        return 0.05

    def _finished(self) -> bool:
        busy = self.tasks or self.fanning or self.claiming or self.recording or self.results
        return not busy and (self.drained or self.stopping.is_set())

    async def _stop(self, transport: Transport | None, mail_from: str) -> None:
        """The claim and the record under way end as they would (cancelled mid-statement, a
        claim's rows would wait for the sweep); then the senders are cancelled (what they had
        not sent is handed back) and every result recorded."""
        busy = [t for t in (self.claiming, self.recording) if t is not None]
        await asyncio.gather(*busy, return_exceptions=True)
        stray: list[asyncio.Task[Any]] = [*self.tasks, *([self.fanning] if self.fanning else [])]
        for task in stray:
            task.cancel()
        await asyncio.gather(*stray, return_exceptions=True)
        self.results += [(i, UNTRIED) for i in set(self.held) - {i for i, _ in self.results}]
        await self._record(transport, mail_from)

    def _share(self) -> int:
        """A subscription's fair share of the window: so one slow receiver cannot take it all."""
        spread = self.config.batch_size // max(1, len(self.targets))
        return max(2 * self.config.per_receiver, spread)

    async def _claim(self) -> None:
        share = self._share()
        full = [s for s, n in self.per_subscription.items() if n >= share]
        limit = self.config.batch_size - len(self.held)
        lease = float(self.config.lease_seconds)
        answered, fan_outs = self.answered, self.fan_outs + (self.fanning is not None)
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                CLAIM, limit, self.claim_id, lease, self.owner, full, list(self.failed)
            )
            if rows:
                found = await conn.fetch(TARGETS, list({r["subscription_id"] for r in rows}))
                self.targets.update({t["id"]: Target(t) for t in found})
            extra = [r["id"] for r in rows if not self._hold(r, share)]
            if extra:  # beyond a subscription's share: back at once, for the next claim
                await conn.execute(RELEASE, extra, self.claim_id)
        self.report.claimed += len(rows) - len(extra)
        if len(rows) == len(extra) and (full or extra):
            self.blocked = answered  # only subscriptions at their share: again once one answers
        else:
            self.blocked = None
            self.drained = not rows and fan_outs == self.fan_outs and self.fanning is None

    def _hold(self, row: asyncpg.Record, share: int) -> bool:
        """Queue a claimed delivery for its receiver, unless its subscription already holds
        its share; a receiver has up to `per_receiver` senders while it has work."""
        sub = row["subscription_id"]
        if self.per_subscription.get(sub, 0) >= share:
            return False
        self.held[row["id"]] = sub
        self.per_subscription[sub] = self.per_subscription.get(sub, 0) + 1
        self.queues.setdefault(sub, collections.deque()).append((row["id"], row["payload"]))
        if self.senders.get(sub, 0) < self.config.per_receiver:
            self.senders[sub] = self.senders.get(sub, 0) + 1
            task = asyncio.create_task(self._sender(sub))
            self.tasks.add(task)
            task.add_done_callback(self._sender_done)
        return True

    def _sender_done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        self.wake.set()

    async def _sender(self, sub: int) -> None:
        """Send the subscription's queued deliveries one after another until none is left."""
        queue = self.queues[sub]
        try:
            while queue and not self.stopping.is_set():
                delivery_id, body = queue.popleft()
                why: str | None = UNTRIED
                try:
                    why = await _attempt(self.client, self.targets[sub], delivery_id, body)
                finally:
                    if not self.results:
                        self.first_result_at = time.monotonic()
                    self.results.append((delivery_id, why))
                    self.per_subscription[sub] -= 1
                    self.answered += 1
                    if len(self.results) in (1, RECORD_AT) or self.blocked is not None:
                        self.wake.set()
        finally:
            self.senders[sub] -= 1

    async def _record(self, transport: Transport | None, mail_from: str) -> None:
        """Every result so far, in one transaction; then email the owners of any paused."""
        done, self.results = self.results, []
        if not done:
            return
        # before the statement: a claim beside it must not take a failure back this run
        self.failed.update(i for i, why in done if why not in (None, UNTRIED))
        paused = await _record(self.pool, self.config, self.claim_id, done, self.held)
        for delivery_id, _why in done:
            del self.held[delivery_id]
        self.report.delivered += sum(why is None for _, why in done)
        self.report.failed += sum(why not in (None, UNTRIED) for _, why in done)
        self.report.paused += len(paused)
        for sub in paused:
            log.warning("webhooks: subscription %d paused after repeated failures", sub["id"])
            if transport is not None and sub["owner_email"]:
                await _tell_owner(transport, self.config, mail_from, sub)


async def deliver_due(
    pool: asyncpg.Pool,
    config: WebhookConfig,
    client: poster.Poster,
    *,
    owner: int | None = None,
    transport: Transport | None = None,
    mail_from: str = "Crosscheck <alerts@crosscheck.localhost>",
    stopping: asyncio.Event | None = None,
    news: asyncio.Event | None = None,
) -> DeliveryReport:
    """Claim and send due deliveries until none is due (or we are stopping). When `news` is
    set meanwhile (register events committed), they are fanned out and sent in the same run."""
    run = Round(pool, config, client, owner, stopping or asyncio.Event(), news)
    return await run.run(transport, mail_from)


async def _record(
    pool: asyncpg.Pool,
    config: WebhookConfig,
    claim_id: uuid.UUID,
    done: list[tuple[int, str | None]],
    held: dict[int, int],
) -> list[asyncpg.Record]:
    """Mark delivered, failed and handed-back deliveries, one statement each (the delivered
    first: a success ends a subscription's failures in a row before later failures count);
    returns the subscriptions that this made pause."""
    delivered = [i for i, why in done if why is None]
    failed = [(i, why) for i, why in done if why is not None and why != UNTRIED]
    untried = [i for i, why in done if why == UNTRIED]
    counts: dict[int, int] = {}
    for delivery_id, _why in failed:
        counts[held[delivery_id]] = counts.get(held[delivery_id], 0) + 1
    async with pool.acquire() as conn:
        if delivered:
            subscriptions = list({held[i] for i in delivered})
            await conn.execute(MARK_DELIVERED, delivered, claim_id, subscriptions)
        if failed or untried:
            return await _record_failed(conn, config, claim_id, failed, untried, counts)
    return []


async def _record_failed(
    conn: asyncpg.Connection,
    config: WebhookConfig,
    claim_id: uuid.UUID,
    failed: list[tuple[int, str]],
    untried: list[int],
    counts: dict[int, int],
) -> list[asyncpg.Record]:
    """Failed deliveries back off (or die) and count towards pausing, in one transaction;
    handed-back ones are pending again, the attempt not counted."""
    async with acting(conn, SYSTEM):
        if failed:
            await conn.execute(
                MARK_FAILED,
                [i for i, _ in failed],
                claim_id,
                [why for _, why in failed],
                config.max_attempts,
                float(config.retry_base_seconds),
                float(config.retry_max_seconds),
            )
        if untried:
            await conn.execute(RELEASE, untried, claim_id)
        if not counts:
            return []
        reason = (
            f"Paused after {config.pause_after} failed deliveries in a row; "
            "fix the receiver, then resume"
        )
        changed = await conn.fetch(
            FAILED, list(counts), list(counts.values()), config.pause_after, reason
        )
    return [r for r in changed if r["just_paused"]]


async def _tell_owner(
    transport: Transport, config: WebhookConfig, mail_from: str, sub: asyncpg.Record
) -> None:
    """Email the administrator who made the subscription; a failure is logged, not raised
    (the pause itself is recorded and shown on the webhooks page and in the API)."""
    text = (
        f"Crosscheck has paused webhook subscription {sub['id']} ({sub['url']}): its deliveries "
        f"failed {config.pause_after} times in a row. Nothing is lost: deliveries wait until "
        f"the subscription is resumed.\n\nFix the receiver, then resume it at "
        f"{config.base_url}/admin/webhooks or with POST /api/v1/webhooks/{sub['id']}/resumption."
    )
    email = Email(
        to=sub["owner_email"],
        subject=f"Webhook subscription {sub['id']} paused (Crosscheck)",
        text=text,
        html=f"<p>{text}</p>".replace("\n\n", "</p><p>"),
        message_id=new_message_id(mail_from),
    )
    try:
        async with transport.session() as session:
            await session.send(email)
    except Exception as exc:  # noqa: BLE001 - logged; the pause stands either way
        log.warning("webhooks: could not email the owner of %d: %s", sub["id"], type(exc).__name__)


async def sweep(conn: asyncpg.Connection) -> int:
    """Deliveries whose sender died (liveness lock gone) or whose lease lapsed: pending again."""
    return len(await conn.fetch(SWEEP))


def client(config: WebhookConfig) -> poster.Poster:
    """One HTTP client for the process: keep-alive connections, a lane for each receiver."""

    async def resolve(scheme: str, host: str, port: int) -> list[str]:
        found, refused = await webhooks.addresses(scheme, host, port, config.allow_loopback)
        if refused:
            raise poster.Refused(refused)
        return found

    return poster.Poster(
        resolve,
        timeout=config.timeout_seconds,
        per_receiver=config.per_receiver,
        in_flight=config.concurrency,
    )


CHANNEL = "register_event"


class Listener:
    """LISTENs on CHANNEL on a pooled connection of its own and calls `wake` when register
    events commit; `news` stays set until the sender clears it before a round."""

    def __init__(self, pool: asyncpg.Pool, wake: Callable[[], None]) -> None:
        self.pool, self.wake = pool, wake
        self.news = asyncio.Event()
        self.conn: asyncpg.pool.PoolConnectionProxy | None = None

    async def ensure(self) -> None:
        """Listening, or trying again at the next call (the interval covers the gap)."""
        if self.conn is not None and not self.conn.is_closed():
            return
        await self.close()
        try:
            conn = await self.pool.acquire()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("webhooks: cannot listen for new events: %s", type(exc).__name__)
            return
        try:
            await conn.add_listener(CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("webhooks: cannot listen for new events: %s", type(exc).__name__)
            await self.pool.release(conn)
            return
        self.conn = conn

    def _heard(self, *_args: object) -> None:
        self.news.set()
        self.wake()

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await conn.remove_listener(CHANNEL, self._heard)
        with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.pool.release(conn)


@contextlib.asynccontextmanager
async def session(config: WebhookConfig) -> AsyncIterator[poster.Poster]:
    http = client(config)
    try:
        yield http
    finally:
        await http.aclose()
