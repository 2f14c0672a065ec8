"""Delivering webhooks: the outbox, lease and backoff design of the alerts, for HTTP POSTs.

Fan-out: each subscription keeps a cursor in its authority's change feed (registry/feed.py).
A run reads the events after it, queues one delivery per event of a subscribed kind, and
moves the cursor on, in one transaction; the feed never shows an event behind a cursor
afterwards, so nothing is missed, and (subscription, event) is unique, so nothing is queued
twice.

Delivery: due deliveries are claimed under a lease (SKIP LOCKED, the process's liveness key,
as alerts/outbox.py), POSTed signed (registry/webhooks.py), and marked delivered on a 2xx or
put back with exponential backoff otherwise; dead after WEBHOOK_MAX_ATTEMPTS. A process that
dies mid-batch leaves its claims under a lease that the alerts' sweep statement re-queues (its
liveness lock is gone): those deliveries are sent again, which is the duplicate bound (at most
one batch per dead process; receivers de-duplicate on webhook-id).

Waking: register_event's statement trigger (migrations, notify_register_event) NOTIFYs
CHANNEL, which PostgreSQL delivers at commit. The scheduler's process LISTENs (Listener) and
runs its webhooks job at once, and the job goes round again while more events commit; the
interval (ALERT_INTERVAL_SECONDS) stays as the fallback for a lost connection or a notice
missed. One pooled HTTP client serves the process for its life (keep-alive connections).

A subscription whose deliveries fail WEBHOOK_PAUSE_AFTER times in a row, with no success
between, is paused (its deliveries wait, nothing is dropped) and the administrator who made it
is emailed; resuming it sends what waited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import httpx
import msgspec

from alerts import outbox
from alerts.config import WebhookConfig
from alerts.transports import Email, new_message_id
from registry import feed, webhooks
from registry.actor import Actor, acting

log = logging.getLogger("crosscheck.webhooks")


# Fan-out -------------------------------------------------------------------------------------

NEXT_SUBSCRIPTION = """
SELECT id, authority_id, event_types, feed_cursor FROM webhook_subscription
WHERE id > $1 ORDER BY id LIMIT 1
FOR UPDATE SKIP LOCKED
"""
QUEUE = """
INSERT INTO webhook_delivery (subscription_id, event_id, event_type, payload)
SELECT $1, e.id, e.kind, e.payload FROM unnest($2::bigint[], $3::text[], $4::text[])
    AS e (id, kind, payload)
ON CONFLICT (subscription_id, event_id) DO NOTHING
"""
MOVE_CURSOR = "UPDATE webhook_subscription SET feed_cursor = $2 WHERE id = $1"
SYSTEM = Actor(None, None)


def payload(event: feed.Event) -> str:
    """The body POSTed: Standard Webhooks' {type, timestamp, data}; ids and kinds only."""
    return msgspec.json.encode(
        {"type": event.kind, "timestamp": event.occurred_at, "data": event}
    ).decode()


async def fan_out(pool: asyncpg.Pool, batch: int = 2000) -> int:
    """Queue a delivery for every new event of a subscribed kind; returns how many."""
    queued, last = 0, 0
    async with pool.acquire() as conn:
        while True:
            async with acting(conn, SYSTEM):
                sub = await conn.fetchrow(NEXT_SUBSCRIPTION, last)
                if sub is None:
                    return queued
                last = sub["id"]
                cursor = sub["feed_cursor"]
                kinds = set(sub["event_types"])
                while True:
                    events, after = await feed.events(
                        conn, Actor(None, sub["authority_id"]), after=cursor, limit=batch
                    )
                    chosen = [e for e in events if e.kind in kinds]
                    if chosen:
                        await conn.execute(
                            QUEUE,
                            sub["id"],
                            [e.id for e in chosen],
                            [e.kind for e in chosen],
                            [payload(e) for e in chosen],
                        )
                        queued += len(chosen)
                    if after != cursor:
                        await conn.execute(MOVE_CURSOR, sub["id"], after)
                        cursor = after
                    if len(events) < batch:
                        break


# Delivery ------------------------------------------------------------------------------------

CLAIM = """
WITH due AS (
    SELECT d.id FROM webhook_delivery d
    JOIN webhook_subscription s ON s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND s.status = 'active'
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE OF d SKIP LOCKED
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
MARK_DELIVERED = """
UPDATE webhook_delivery
SET status = 'delivered', delivered_at = now(), lease_until = NULL, claim_id = NULL,
    claimed_by = NULL, last_error = NULL
WHERE id = ANY($1::bigint[]) AND ((status = 'sending' AND claim_id = $2) OR status = 'pending')
"""
MARK_FAILED = f"""
UPDATE webhook_delivery
SET status = CASE WHEN attempts >= $4 THEN 'dead' ELSE 'pending' END,
    dead_at = CASE WHEN attempts >= $4 THEN now() END,
    next_attempt_at = {outbox.backoff("$5", "$6")},
    lease_until = NULL, claim_id = NULL, claimed_by = NULL, last_error = $3
WHERE id = $1 AND status = 'sending' AND claim_id = $2
"""
RELEASE = """
UPDATE webhook_delivery
SET status = 'pending', attempts = greatest(attempts - 1, 0), lease_until = NULL,
    claim_id = NULL, claimed_by = NULL
WHERE id = ANY($1::bigint[]) AND status = 'sending' AND claim_id = $2
"""
SUCCEEDED = """
UPDATE webhook_subscription SET failures = 0, failing_since = NULL
WHERE id = ANY($1::bigint[]) AND failures > 0
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
SWEEP = outbox.sweep_statement("webhook_delivery")


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    paused: int = 0


class Target:
    """One subscription's URL and secrets, and whether its address may be reached now."""

    def __init__(self, row: asyncpg.Record, refused: str | None) -> None:
        self.url: str = row["url"]
        self.secrets = [row["secret"]] + (
            [row["previous_secret"]] if row["previous_secret"] else []
        )
        self.refused = refused


async def _attempt(
    client: httpx.AsyncClient, target: Target, delivery_id: int, body: str
) -> str | None:
    """POST one delivery; None on a 2xx, otherwise why it failed (no body or headers kept)."""
    if target.refused:
        return target.refused
    raw = body.encode()
    sent = webhooks.headers(target.secrets, webhooks.message_id(delivery_id), int(time.time()), raw)
    try:
        response = await client.post(target.url, content=raw, headers=sent)
    except httpx.TimeoutException:
        return "the receiver did not answer in time"
    except httpx.HTTPError as exc:
        return f"the receiver could not be reached ({type(exc).__name__})"
    if 200 <= response.status_code < 300:
        return None
    return f"the receiver answered {response.status_code}"


async def _one(client, lanes, stopping, targets, row, outcomes: dict[int, str | None]) -> None:
    async with lanes:
        if not stopping.is_set():
            outcomes[row["id"]] = await _attempt(
                client, targets[row["subscription_id"]], row["id"], row["payload"]
            )


async def deliver_due(
    pool: asyncpg.Pool,
    config: WebhookConfig,
    client: httpx.AsyncClient,
    *,
    owner: int | None = None,
    transport=None,
    mail_from: str = "Crosscheck <alerts@crosscheck.localhost>",
    stopping: asyncio.Event | None = None,
) -> DeliveryReport:
    """Claim and send due deliveries until none is due (or we are stopping)."""
    report = DeliveryReport()
    stopping = stopping or asyncio.Event()
    lanes = asyncio.Semaphore(config.concurrency)
    while not stopping.is_set():
        claim_id = uuid.uuid4()
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                CLAIM, config.batch_size, claim_id, float(config.lease_seconds), owner
            )
            if not rows:
                return report
            found = await conn.fetch(TARGETS, list({r["subscription_id"] for r in rows}))
        report.claimed += len(rows)
        targets = {
            t["id"]: Target(t, await webhooks.check_target(t["url"], config.allow_loopback))
            for t in found
        }
        outcomes: dict[int, str | None] = {}
        try:
            await asyncio.gather(
                *(_one(client, lanes, stopping, targets, r, outcomes) for r in rows)
            )
        finally:
            await _record(pool, config, claim_id, rows, outcomes, report, transport, mail_from)
        if len(rows) < config.batch_size:
            return report
    return report


async def _record(pool, config, claim_id, rows, outcomes, report, transport, mail_from) -> None:
    delivered = [i for i, why in outcomes.items() if why is None]
    failed = {i: why for i, why in outcomes.items() if why is not None}
    untried = [r["id"] for r in rows if r["id"] not in outcomes]
    by_sub = {r["id"]: r["subscription_id"] for r in rows}
    async with pool.acquire() as conn, acting(conn, SYSTEM):
        if delivered:
            await conn.execute(MARK_DELIVERED, delivered, claim_id)
            await conn.execute(SUCCEEDED, list({by_sub[i] for i in delivered}))
        for delivery_id, why in failed.items():
            await conn.execute(
                MARK_FAILED,
                delivery_id,
                claim_id,
                why,
                config.max_attempts,
                float(config.retry_base_seconds),
                float(config.retry_max_seconds),
            )
        if untried:
            await conn.execute(RELEASE, untried, claim_id)
        counts: dict[int, int] = {}
        for delivery_id in failed:
            counts[by_sub[delivery_id]] = counts.get(by_sub[delivery_id], 0) + 1
        paused = []
        if counts:
            reason = (
                f"Paused after {config.pause_after} failed deliveries in a row; "
                "fix the receiver, then resume"
            )
            paused = [
                r
                for r in await conn.fetch(
                    FAILED, list(counts), list(counts.values()), config.pause_after, reason
                )
                if r["just_paused"]
            ]
    report.delivered += len(delivered)
    report.failed += len(failed)
    report.paused += len(paused)
    for sub in paused:
        log.warning("webhooks: subscription %d paused after repeated failures", sub["id"])
        if transport is not None and sub["owner_email"]:
            await _tell_owner(transport, config, mail_from, sub)


async def _tell_owner(transport, config: WebhookConfig, mail_from: str, sub) -> None:
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


def client(config: WebhookConfig) -> httpx.AsyncClient:
    """One pooled HTTP client for the process: keep-alive connections to each receiver."""
    return httpx.AsyncClient(
        timeout=config.timeout_seconds,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=None),
        headers={"user-agent": "Crosscheck-Webhooks/1"},
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

    def _heard(self, *_args) -> None:
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
async def session(config: WebhookConfig):
    async with client(config) as http:
        yield http
