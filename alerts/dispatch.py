"""Sending due alerts: claim a batch, one email per recipient authority, record each result.

The result of every email is committed as soon as the transport accepts it, so a process
that stops mid-batch leaves at most the emails it had in flight (send_concurrency of them)
unrecorded; their alerts are sent again once their lease lapses. That is the whole
duplicate window of the at-least-once guarantee (docs/alerts.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from dataclasses import dataclass

import asyncpg

from alerts import outbox
from alerts.compose import Recipient, compose, load_views
from alerts.config import AlertConfig
from alerts.transports import DeliveryError, new_message_id

log = logging.getLogger("crosscheck.alerts")


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    emails: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0

    def add(self, other: SendReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def _finish(coro):
    """Run a database write to the end even if the job is cancelled meanwhile: what was
    sent must be recorded, or it would be sent again."""
    task = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        raise


class Recorder:
    """Commits the lanes' "sent" marks together: while one write is in flight, the marks
    that arrive queue up and go in the next write (one statement, one commit). A lane waits
    for its own mark before it sends again, so each lane still has at most one email whose
    acceptance is not yet recorded."""

    def __init__(self, pool: asyncpg.Pool, claim_id: uuid.UUID) -> None:
        self.pool, self.claim_id = pool, claim_id
        self.queued: list[tuple[outbox.Sent, asyncio.Future]] = []
        self.writing = asyncio.Lock()

    async def mark_sent(self, sent: outbox.Sent) -> int:
        done = asyncio.get_running_loop().create_future()
        self.queued.append((sent, done))
        async with self.writing:
            if not done.done():
                items, self.queued = self.queued, []
                try:
                    async with self.pool.acquire() as conn:
                        marked = set(await outbox.mark_sent_many(
                            conn, self.claim_id, [i for i, _ in items]))
                except BaseException as exc:
                    for _, future in items:
                        if not future.done():
                            future.set_exception(RuntimeError(type(exc).__name__))
                    raise
                for item, future in items:
                    future.set_result(sum(1 for i in item.alert_ids if i in marked))
        return await done


class Batch:
    """One claim being sent: its recipients, and which of them are still waiting."""

    def __init__(self, pool: asyncpg.Pool, config: AlertConfig, transport, claim: outbox.Claim,
                 recipients: list[Recipient], deadline: float,
                 stopping: asyncio.Event | None) -> None:
        self.pool, self.config, self.transport, self.claim = pool, config, transport, claim
        self.waiting = deque(recipients)
        self.deadline = deadline
        self.stopping = stopping
        self.unreachable: str | None = None
        self.report = SendReport(claimed=len(claim.alert_ids))
        self.recorder = Recorder(pool, claim.id)
        # the longest one email may take; none starts unless it can end within the lease
        self.send_limit = min(2 * config.smtp.timeout_seconds, config.lease_seconds / 2)

    def _may_start(self) -> bool:
        loop = asyncio.get_running_loop()
        return (self.unreachable is None and not (self.stopping and self.stopping.is_set())
                and loop.time() + self.send_limit < self.deadline)

    async def run(self) -> SendReport:
        lanes = min(self.config.send_concurrency, len(self.waiting))
        try:
            await asyncio.gather(*(self._lane() for _ in range(lanes)))
        finally:
            await _finish(self._settle_waiting())
        return self.report

    async def _lane(self) -> None:
        async with self.transport.session() as session:
            while self.waiting and self._may_start():
                recipient = self.waiting.popleft()
                await self._deliver(session, recipient)

    async def _deliver(self, session, recipient: Recipient) -> None:
        ids = [a.id for a in recipient.alerts]
        batch_id = uuid.uuid4()
        email = compose(recipient, self.config.base_url, new_message_id(self.config.mail_from))
        try:
            message_id = await asyncio.wait_for(session.send(email), self.send_limit)
        except DeliveryError as exc:
            if exc.unreachable:
                self.unreachable = exc.reason
            await _finish(self._failed(ids, exc.reason, exc.permanent))
            return
        except asyncio.TimeoutError:
            await _finish(self._failed(ids, "the mail server did not finish accepting the "
                                            "email in time", False))
            return
        recorded = await _finish(self.recorder.mark_sent(outbox.Sent(ids, batch_id, message_id)))
        # (added after the await: `x += await ...` would read x before other lanes update it)
        self.report.emails += 1
        self.report.sent += recorded

    async def _failed(self, ids: list[int], reason: str, permanent: bool) -> None:
        c = self.config
        async with self.pool.acquire() as conn:
            rows = await outbox.mark_failed(conn, ids, self.claim.id, reason, permanent=permanent,
                                            max_attempts=c.max_attempts,
                                            retry_base_seconds=c.retry_base_seconds,
                                            retry_max_seconds=c.retry_max_seconds)
        dead = sum(1 for r in rows if r["status"] == "dead")
        self.report.dead += dead
        self.report.retrying += len(rows) - dead
        log.warning("alert email failed (%d alerts, %s): %s", len(ids),
                    "permanent" if permanent else "will retry", reason)

    async def _settle_waiting(self) -> None:
        """Recipients never tried: failed with the batch when the server was unreachable,
        otherwise handed back untouched."""
        if not self.waiting:
            return
        ids = [a.id for r in self.waiting for a in r.alerts]
        self.waiting.clear()
        if self.unreachable:
            await self._failed(ids, self.unreachable, False)
            return
        async with self.pool.acquire() as conn:
            await outbox.release(conn, ids, self.claim.id)
        self.report.released += len(ids)


async def _recipients(conn, config: AlertConfig, claim: outbox.Claim) -> list[Recipient]:
    """The claimed alerts grouped into emails: one per recipient authority (more only when
    it has over max_alerts_per_email)."""
    views = await load_views(conn, claim.alert_ids, config.base_url)
    found = await outbox.recipients(conn, list(claim.by_recipient))
    by_recipient: dict[int, list] = {}
    for view in views:
        by_recipient.setdefault(view.recipient_authority_id, []).append(view)
    emails = []
    for authority_id, alerts in by_recipient.items():
        r = found[authority_id]
        for start in range(0, len(alerts), config.max_alerts_per_email):
            emails.append(Recipient(authority_id, r["name"], r["alert_email"],
                                    alerts[start:start + config.max_alerts_per_email]))
    return emails


async def _dead_for_want_of_address(pool, config, claim, groups: list[Recipient], report) -> list[Recipient]:
    ready = [g for g in groups if g.alert_email]
    for group in (g for g in groups if not g.alert_email):
        async with pool.acquire() as conn:
            rows = await outbox.mark_failed(
                conn, [a.id for a in group.alerts], claim.id,
                f"{group.name} has no alert email address: set one, then resend",
                permanent=True, max_attempts=config.max_attempts,
                retry_base_seconds=config.retry_base_seconds,
                retry_max_seconds=config.retry_max_seconds)
        report.dead += len(rows)
    return ready


@dataclass
class Claimed:
    claim: outbox.Claim
    emails: list[Recipient]
    started: float  # loop time just before the claim: its lease ends after started + lease


FIRST_CLAIM = 200  # a small first batch, so the first emails leave while the next is prepared


async def _claim_next(pool, config: AlertConfig, size: int) -> Claimed | None:
    started = asyncio.get_running_loop().time()
    async with pool.acquire() as conn:
        claim = await outbox.claim_due(conn, size, config.lease_seconds)
        if not claim.alert_ids:
            return None
        try:
            return Claimed(claim, await _recipients(conn, config, claim), started)
        except BaseException:
            await _finish(outbox.release(conn, claim.alert_ids, claim.id))
            raise


async def _give_back(pool, task: asyncio.Task | None) -> None:
    """A claim taken ahead and not used goes back untouched."""
    if task is None:
        return
    if not task.done():
        task.cancel()
    try:
        claimed = await task
    except (asyncio.CancelledError, Exception):
        return  # a claim cut off mid-way lapses with its lease
    if claimed is not None:
        async with pool.acquire() as conn:
            await outbox.release(conn, claimed.claim.alert_ids, claimed.claim.id)


async def send_due_alerts(pool: asyncpg.Pool, config: AlertConfig, transport, *,
                          stopping: asyncio.Event | None = None) -> SendReport:
    """Send everything due, a batch at a time, until nothing is due or we are stopping.

    The next batch is claimed and prepared while the current one is being sent, so the
    database work overlaps the SMTP conversation."""
    total = SendReport()
    size = min(FIRST_CLAIM, config.batch_size)
    upcoming: asyncio.Task | None = asyncio.ensure_future(_claim_next(pool, config, size))
    try:
        while not (stopping and stopping.is_set()):
            claimed, upcoming = await upcoming, None
            if claimed is None:
                break
            claim = claimed.claim
            full = len(claim.alert_ids) == size
            if full:
                size = config.batch_size
                upcoming = asyncio.ensure_future(_claim_next(pool, config, size))
            report = SendReport(claimed=len(claim.alert_ids))
            emails = await _dead_for_want_of_address(pool, config, claim, claimed.emails, report)
            unreachable = False
            if emails:
                batch = Batch(pool, config, transport, claim, emails,
                              deadline=claimed.started + config.lease_seconds - 0.5, stopping=stopping)
                sent = await batch.run()
                sent.claimed = 0
                report.add(sent)
                unreachable = batch.unreachable is not None
            total.add(report)
            # stop when the server is down (the backoff decides when to try again), when
            # this was the last batch, or when a batch could send nothing at all
            if unreachable or not full or report.released == report.claimed:
                break
    finally:
        await _finish(_give_back(pool, upcoming))
    return total
