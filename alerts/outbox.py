"""The outbox: claiming due alerts under a lease, and recording what became of them.

An alert moves pending -> sending (claimed, with a lease) -> sent, or back to pending with a
later next_attempt_at after a transport error, or to dead after too many attempts or a
permanent refusal. A claim that outlives its lease (the process died) is put back to
pending by `sweep_expired_leases`. Every step is one UPDATE guarded by the state it expects,
so two processes never both move the same alert.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from registry.actor import Actor, acting

# Due now: immediate-delivery authorities at once; digest authorities once the latest
# digest time (Europe/London) has passed since the alert was queued.
DUE = """
a.status = 'pending' AND a.next_attempt_at <= now()
AND (au.alert_delivery = 'immediate' OR a.created_at <= last_digest_slot(au.digest_time, now()))
"""

# Whole recipients at a time, those waiting longest first, so each authority's due alerts
# travel in one email rather than spread over several batches. SKIP LOCKED: a second
# process takes other alerts instead of waiting for these.
CLAIM_DUE = f"""
WITH recipients AS (
    SELECT a.recipient_authority_id AS id, min(a.next_attempt_at) AS waiting_since
    FROM alert a JOIN authority au ON au.id = a.recipient_authority_id
    WHERE {DUE}
    GROUP BY a.recipient_authority_id
    ORDER BY waiting_since
    LIMIT $1
), due AS (
    SELECT a.id FROM alert a
    JOIN recipients r ON r.id = a.recipient_authority_id
    JOIN authority au ON au.id = a.recipient_authority_id
    WHERE {DUE}
    ORDER BY r.waiting_since, a.recipient_authority_id, a.id
    LIMIT $1
    FOR UPDATE OF a SKIP LOCKED
)
UPDATE alert a
SET status = 'sending', attempts = a.attempts + 1, claim_id = $2,
    lease_until = now() + make_interval(secs => $3), claimed_by = $4
FROM due WHERE a.id = due.id
RETURNING a.id, a.recipient_authority_id
"""

RECIPIENTS = """
SELECT id, name, alert_email::text AS alert_email, dpo_email::text AS dpo_email
FROM authority WHERE id = ANY($1::integer[])
"""

# An alert swept back to pending while we were still sending it is ours to mark too; one
# re-claimed by another process is not (that process will send it again: the one duplicate
# the guarantee allows, see docs/alerts.md).
MARK_SENT = """
UPDATE alert a
SET status = 'sent', sent_at = now(), batch_id = d.batch_id, message_id = d.message_id,
    lease_until = NULL, claim_id = NULL, claimed_by = NULL, last_error = NULL,
    waiting_on_transport = false
FROM unnest($2::bigint[], $3::uuid[], $4::text[]) AS d (alert_id, batch_id, message_id)
WHERE a.id = d.alert_id AND ((a.status = 'sending' AND a.claim_id = $1) OR a.status = 'pending')
RETURNING a.id
"""


# Exponential backoff with +-20% jitter so retries from many alerts do not arrive together.
# $8 uncertain: the server may have accepted the email (no answer after DATA), so running out
# of attempts does not make it dead; $9: the failure was the mail server's or the route's,
# not the recipient's, so the transport's next success sends it at once (RESUME_AFTER_OUTAGE).
def backoff(base: str, cap: str) -> str:
    """The next attempt's time: `base` seconds doubled per attempt made, at most `cap`, +-20%."""
    return (
        f"now() + make_interval(secs => least({base} * power(2, attempts - 1), {cap})"
        " * (0.8 + random() * 0.4))"
    )


MARK_FAILED = f"""
UPDATE alert
SET status = CASE WHEN $4 OR (attempts >= $5 AND NOT $8) THEN 'dead' ELSE 'pending' END,
    dead_at = CASE WHEN $4 OR (attempts >= $5 AND NOT $8) THEN now() END,
    next_attempt_at = {backoff("$6", "$7")},
    lease_until = NULL, claim_id = NULL, claimed_by = NULL, last_error = $3,
    waiting_on_transport = $9 AND NOT $4
WHERE id = ANY($1::bigint[]) AND status = 'sending' AND claim_id = $2
RETURNING id, status
"""

# After an outage of the mail server, the first email it accepts ends the backoff of every
# alert that was waiting on it: they go out now, not up to ALERT_RETRY_MAX_SECONDS later.
RESUME_AFTER_OUTAGE = """
UPDATE alert SET next_attempt_at = now(), waiting_on_transport = false
WHERE status = 'pending' AND waiting_on_transport AND next_attempt_at > now()
"""

# Claimed but not tried (the process is stopping, or the lease would run out first): give
# them back without counting an attempt.
RELEASE = """
UPDATE alert
SET status = 'pending', attempts = greatest(attempts - 1, 0), lease_until = NULL, claim_id = NULL,
    claimed_by = NULL
WHERE id = ANY($1::bigint[]) AND status = 'sending' AND claim_id = $2
"""

# Claims whose sender is gone: its liveness lock is no longer held (it died, or lost its
# database session), or, for a sender that holds none or is frozen, the lease lapsed. Never
# dead for this: the email may have been accepted before the sender stopped.
LIVENESS_CLASS = 0x0A1E  # first key of the two-key advisory locks the senders hold


def sweep_statement(table: str, extra: str = "", scope: str = "") -> str:
    """Claims of `table` (alert, webhook_delivery) whose sender's liveness lock is gone or
    whose lease lapsed, back to pending; `extra` sets more columns, `scope` narrows the rows
    looked at (so that the scan can use an index)."""
    return f"""
UPDATE {table} a
SET status = 'pending', next_attempt_at = now(), lease_until = NULL, claim_id = NULL,
    claimed_by = NULL{extra},
    last_error = CASE WHEN a.lease_until < now()
        THEN 'the process sending it stopped before recording the result (its lease ran out)'
        ELSE 'the process sending it stopped before recording the result (its session ended)'
    END
WHERE a.id IN (
    SELECT x.id FROM {table} x
    WHERE x.status = 'sending'{scope}
      AND (x.lease_until < now()
           OR (x.claimed_by IS NOT NULL AND x.claimed_by::oid <> ALL (ARRAY(
                 SELECT l.objid FROM pg_locks l
                 WHERE l.locktype = 'advisory' AND l.classid = {LIVENESS_CLASS} AND l.objsubid = 2
                   AND l.granted
                   AND l.database = (SELECT oid FROM pg_database
                                     WHERE datname = current_database())))))
    FOR UPDATE SKIP LOCKED)
RETURNING a.id
"""


SWEEP = sweep_statement("alert", ", waiting_on_transport = false")

RESEND = """
UPDATE alert
SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL,
    resent_at = now(), resent_by = $2
WHERE id = $1 AND status = 'dead'
RETURNING id
"""

# Dead alerts chosen by filter: all, one recipient authority's, those whose reason mentions
# some words (for example the mail server's name after an outage).
DEAD_MATCHING = """a.status = 'dead'
AND ($1::integer IS NULL OR a.recipient_authority_id = $1)
AND ($2::text IS NULL OR strpos(lower(a.last_error), lower($2)) > 0)"""
COUNT_DEAD = f"SELECT count(*) FROM alert a WHERE {DEAD_MATCHING}"
RESEND_MATCHING = f"""
UPDATE alert a
SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL,
    resent_at = now(), resent_by = $3
WHERE {DEAD_MATCHING}
RETURNING a.id
"""

ACKNOWLEDGE = """
UPDATE alert SET acknowledged_at = now(), acknowledged_by = $3
WHERE id = $1 AND recipient_authority_id = $2 AND status = 'sent' AND acknowledged_at IS NULL
RETURNING id
"""


@dataclass(frozen=True)
class Claim:
    id: uuid.UUID
    alert_ids: list[int]
    by_recipient: dict[int, list[int]]


async def claim_due(
    conn: asyncpg.Connection, limit: int, lease_seconds: float, owner: int | None = None
) -> Claim:
    """Claim due alerts under a lease; `owner` is the claiming process's liveness key."""
    claim_id = uuid.uuid4()
    rows = await conn.fetch(CLAIM_DUE, limit, claim_id, float(lease_seconds), owner)
    by_recipient: dict[int, list[int]] = {}
    for row in rows:
        by_recipient.setdefault(row["recipient_authority_id"], []).append(row["id"])
    return Claim(claim_id, [r["id"] for r in rows], by_recipient)


@dataclass(frozen=True)
class Sent:
    """An email the transport accepted: the alerts it carried, its batch and message ids."""

    alert_ids: list[int]
    batch_id: uuid.UUID
    message_id: str


async def mark_sent_many(
    conn: asyncpg.Connection, claim_id: uuid.UUID, emails: list[Sent]
) -> list[int]:
    """Record several accepted emails in one statement; returns the alert ids marked."""
    ids: list[int] = []
    batches: list[uuid.UUID] = []
    messages: list[str] = []
    for email in emails:
        ids += email.alert_ids
        batches += [email.batch_id] * len(email.alert_ids)
        messages += [email.message_id[:300]] * len(email.alert_ids)
    return [r["id"] for r in await conn.fetch(MARK_SENT, claim_id, ids, batches, messages)]


async def mark_sent(
    conn: asyncpg.Connection,
    alert_ids: list[int],
    claim_id: uuid.UUID,
    batch_id: uuid.UUID,
    message_id: str,
) -> int:
    return len(await mark_sent_many(conn, claim_id, [Sent(alert_ids, batch_id, message_id)]))


async def mark_failed(
    conn: asyncpg.Connection,
    alert_ids: list[int],
    claim_id: uuid.UUID,
    reason: str,
    *,
    permanent: bool,
    max_attempts: int,
    retry_base_seconds: float,
    retry_max_seconds: float,
    uncertain: bool = False,
    transport: bool = False,
) -> list[asyncpg.Record]:
    """Back to pending with a backoff, or dead (refused for good, or out of attempts unless
    the server may have accepted it: `uncertain`). `transport`: the mail server's failure,
    not the address's."""
    rows: list[asyncpg.Record] = await conn.fetch(
        MARK_FAILED,
        alert_ids,
        claim_id,
        reason[:1000],
        permanent,
        max_attempts,
        float(retry_base_seconds),
        float(retry_max_seconds),
        uncertain,
        transport,
    )
    return rows


async def resume_after_outage(conn: asyncpg.Connection) -> int:
    """The transport works again: alerts waiting on it are due now. Returns how many."""
    return int((await conn.execute(RESUME_AFTER_OUTAGE)).split()[-1])


async def release(conn: asyncpg.Connection, alert_ids: list[int], claim_id: uuid.UUID) -> None:
    await conn.execute(RELEASE, alert_ids, claim_id)


async def sweep_expired_leases(conn: asyncpg.Connection, max_attempts: int | None = None) -> int:
    """Put alerts whose sender died (its liveness lock is gone) or whose lease lapsed back in
    the queue. (`max_attempts` is no longer used: such an alert may have been delivered, so
    it is never made dead for this.)"""
    return len(await conn.fetch(SWEEP))


class Liveness:
    """This process's mark in the database, for as long as it lives: a session advisory lock
    (LIVENESS_CLASS, key) held on a pooled connection kept for the purpose. Claims carry the
    key; when the process dies its connection closes, PostgreSQL drops the lock, and the next
    sweep (any process's) re-queues those claims within ALERT_SWEEP_SECONDS."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.conn: asyncpg.Connection | None = None
        self.key: int | None = None

    def _alive(self) -> bool:
        try:
            return self.conn is not None and not self.conn.is_closed()
        except asyncpg.InterfaceError:
            # the pool took the connection back when its server went (a failover or restart)
            return False

    async def current_key(self) -> int:
        if self._alive() and self.key is not None:
            return self.key
        await self.close()  # a session lost (a database restart): take a new one
        conn = await self.pool.acquire()
        try:
            while True:
                key = secrets.randbelow(2**31 - 2) + 1
                if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LIVENESS_CLASS, key):
                    break
        except BaseException:
            await self.pool.release(conn)
            raise
        self.conn, self.key = conn, key
        return key

    async def close(self) -> None:
        conn, self.conn, self.key = self.conn, None, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if not conn.is_closed():
                # the pool's release keeps session state: let the lock go first
                await conn.execute("SELECT pg_advisory_unlock_all()")
        with contextlib.suppress(Exception):
            await self.pool.release(conn)


async def resend(conn: asyncpg.Connection, alert_id: int, user_id: int | None) -> bool:
    """A dead alert goes back to the queue with a fresh set of attempts."""
    return await conn.fetchval(RESEND, alert_id, user_id) is not None


async def count_dead(
    conn: asyncpg.Connection, *, authority_id: int | None = None, reason: str | None = None
) -> int:
    dead: int = await conn.fetchval(COUNT_DEAD, authority_id, reason)
    return dead


RESEND_MANY_AUDIT = """
INSERT INTO audit_entry (user_id, action, subject, detail)
SELECT $1, 'alert_resent', 'alert:' || id, '{"bulk": true}' FROM unnest($2::bigint[]) AS id
"""


async def resend_dead(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    authority_id: int | None = None,
    reason: str | None = None,
) -> int:
    """Every dead alert the filter matches goes back to the queue with fresh attempts, in one
    transaction, with an audit row per alert (the API and the dead alerts page)."""
    async with acting(conn, actor):
        rows = await conn.fetch(RESEND_MATCHING, authority_id, reason, actor.user_id)
        ids = [r["id"] for r in rows]
        if ids:
            await conn.execute(RESEND_MANY_AUDIT, actor.user_id, ids)
    return len(ids)


DEAD_RECIPIENTS = """
SELECT au.id, au.name, count(*) AS dead FROM alert a JOIN authority au ON au.id = a.recipient_authority_id
WHERE a.status = 'dead' GROUP BY au.id, au.name ORDER BY au.name
"""


async def dead_recipients(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The authorities with dead alerts, and how many each (to filter by)."""
    rows: list[asyncpg.Record] = await conn.fetch(DEAD_RECIPIENTS)
    return rows


@dataclass(frozen=True)
class Acknowledgement:
    id: int
    acknowledged_at: datetime
    acknowledged_by: int
    seconds_to_acknowledge: float


ACKNOWLEDGEMENT = """
SELECT id, status, acknowledged_at, acknowledged_by,
       extract(epoch FROM time_to_acknowledge)::float8 AS seconds
FROM alert WHERE id = $1 AND recipient_authority_id = $2
"""

ACKNOWLEDGE_MANY = """
UPDATE alert SET acknowledged_at = now(), acknowledged_by = $3
WHERE id = ANY($1::bigint[]) AND recipient_authority_id = $2 AND status = 'sent'
  AND acknowledged_at IS NULL
RETURNING id
"""
ACKNOWLEDGE_MANY_AUDIT = """
INSERT INTO audit_entry (user_id, authority_id, action, subject, detail)
SELECT $1, $2, 'alert_acknowledged', 'alert:' || id, '{"bulk": true}'
FROM unnest($3::bigint[]) AS id
"""


async def acknowledge_many(conn: asyncpg.Connection, actor: Actor, alert_ids: list[int]) -> int:
    """Acknowledge the chosen alerts sent to the officer's authority, in one transaction with
    an audit row for each; others' alerts and those already acknowledged are left as they
    are. How many were acknowledged now."""
    async with acting(conn, actor):
        rows = await conn.fetch(ACKNOWLEDGE_MANY, alert_ids, actor.authority_id, actor.user_id)
        ids = [r["id"] for r in rows]
        if ids:
            await conn.execute(ACKNOWLEDGE_MANY_AUDIT, actor.user_id, actor.authority_id, ids)
    return len(ids)


class NotYetSent(Exception):
    """Only a sent alert can be acknowledged."""


async def acknowledge(
    conn: asyncpg.Connection, alert_id: int, authority_id: int, user_id: int
) -> Acknowledgement | None:
    """Record that the recipient authority has seen the alert (the first time counts).

    None when the alert does not exist or was sent to another authority.
    """
    await conn.execute(ACKNOWLEDGE, alert_id, authority_id, user_id)
    row = await conn.fetchrow(ACKNOWLEDGEMENT, alert_id, authority_id)
    if row is None:
        return None
    if row["status"] != "sent":
        raise NotYetSent()
    return Acknowledgement(
        row["id"], row["acknowledged_at"], row["acknowledged_by"], row["seconds"]
    )


async def recipients(
    conn: asyncpg.Connection, authority_ids: list[int]
) -> dict[int, asyncpg.Record]:
    return {r["id"]: r for r in await conn.fetch(RECIPIENTS, authority_ids)}


STATE = """
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'sending') AS sending,
       count(*) FILTER (WHERE status = 'dead') AS dead,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status IN
                ('pending', 'sending'))), 0)::float8 AS oldest_pending_seconds
FROM alert WHERE status IN ('pending', 'sending', 'dead')
"""


async def state(pool: asyncpg.Pool | asyncpg.Connection) -> dict[str, float]:
    """How many alerts wait, are being sent and are dead, and the oldest wait (for metrics)."""
    return dict(await pool.fetchrow(STATE))
