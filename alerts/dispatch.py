"""Sending due alerts: claim, one email per recipient authority, record each result.

Lanes (one SMTP connection each, send_concurrency of them) take emails from one queue that
a producer fills a claim at a time, preparing the next claim while the current one is sent.
Each email's "sent" mark is committed before its lane sends another (marks of several lanes
share a commit), so a process that stops mid-way leaves at most one unrecorded email per
lane; their alerts are sent again once their lease lapses. That is the whole duplicate
window of the at-least-once guarantee (docs/alerts.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import asyncpg

from alerts import outbox
from alerts.compose import DPO_KINDS, AlertView, Recipient, compose, load_views
from alerts.config import AlertConfig
from alerts.transports import DeliveryError, Email, Session, Transport, new_message_id

log = logging.getLogger("crosscheck.alerts")
T = TypeVar("T")


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    emails: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0
    uncertain: int = 0  # emails the server may have accepted without saying so

    def add(self, other: SendReport) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


async def _finish(coro: Awaitable[T]) -> T:
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
        self.queued: list[tuple[outbox.Sent, asyncio.Future[int]]] = []
        self.writing = asyncio.Lock()

    async def mark_sent(self, sent: outbox.Sent) -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.queued.append((sent, done))
        async with self.writing:
            if not done.done():
                items, self.queued = self.queued, []
                try:
                    async with self.pool.acquire() as conn:
                        marked = set(
                            await outbox.mark_sent_many(conn, self.claim_id, [i for i, _ in items])
                        )
                except BaseException as exc:
                    for _, future in items:
                        if not future.done():
                            future.set_exception(RuntimeError(type(exc).__name__))
                    raise
                for item, future in items:
                    future.set_result(sum(1 for i in item.alert_ids if i in marked))
        return await done


class Batch:
    """One claim: its lease deadline, its recorder, and what became of its emails."""

    def __init__(
        self, pool: asyncpg.Pool, config: AlertConfig, claim: outbox.Claim, deadline: float
    ) -> None:
        self.pool, self.config, self.claim = pool, config, claim
        self.deadline = deadline
        self.report = SendReport(claimed=len(claim.alert_ids))
        self.recorder = Recorder(pool, claim.id)
        self.untried: list[Recipient] = []
        # the longest one email may take; none starts unless it can end within the lease
        self.send_limit = min(2 * config.smtp.timeout_seconds, config.lease_seconds / 2)

    def may_start(self) -> bool:
        return asyncio.get_running_loop().time() + self.send_limit < self.deadline

    def compose(self, recipient: Recipient) -> Email:
        return compose(
            recipient,
            self.config.base_url,
            new_message_id(self.config.mail_from),
            notify=self.config.transport == "notify",
        )

    async def deliver(
        self, session: Session, recipient: Recipient, email: Email
    ) -> tuple[DeliveryError | None, asyncio.Future[None] | None]:
        """Send one email and start recording the result. Returns the failure when it stops
        the run (the server could not be reached, or may have accepted the email without
        saying so), and the "sent" mark being committed: the lane must see it done before it
        sends again."""
        ids = [a.id for a in recipient.alerts]
        try:
            message_id = await asyncio.wait_for(session.send(email), self.send_limit)
        except TimeoutError:
            error = DeliveryError(
                "the mail server did not finish accepting the email in time (it may have "
                "been accepted)",
                uncertain=True,
            )
        except DeliveryError as exc:
            error = exc
        else:
            return None, asyncio.ensure_future(
                self._mark_sent(outbox.Sent(ids, uuid.uuid4(), message_id))
            )
        await _finish(
            self.failed(
                ids,
                error.reason,
                error.permanent,
                uncertain=error.uncertain,
                transport=error.transport,
            )
        )
        if error.uncertain:
            self.report.uncertain += 1
        return (error if error.unreachable or error.uncertain else None), None

    async def _mark_sent(self, sent: outbox.Sent) -> None:
        recorded = await self.recorder.mark_sent(sent)
        # (added after the await: `x += await ...` would read x before other lanes update it)
        self.report.emails += 1
        self.report.sent += recorded

    async def failed(
        self,
        ids: list[int],
        reason: str,
        permanent: bool,
        *,
        uncertain: bool = False,
        transport: bool = True,
    ) -> None:
        c = self.config
        async with self.pool.acquire() as conn:
            rows = await outbox.mark_failed(
                conn,
                ids,
                self.claim.id,
                reason,
                permanent=permanent,
                max_attempts=c.max_attempts,
                retry_base_seconds=c.retry_base_seconds,
                retry_max_seconds=c.retry_max_seconds,
                uncertain=uncertain,
                transport=transport,
            )
        dead = sum(1 for r in rows if r["status"] == "dead")
        self.report.dead += dead
        self.report.retrying += len(rows) - dead
        log.warning(
            "alert email failed (%d alerts, %s): %s",
            len(ids),
            "permanent" if permanent else "will retry",
            reason,
        )

    async def settle(self, unreachable: str | None) -> None:
        """Emails never tried: failed with the rest when the server was unreachable,
        otherwise handed back untouched (no attempt counted)."""
        ids = [a.id for r in self.untried for a in r.alerts]
        self.untried = []
        if not ids:
            return
        if unreachable:
            await self.failed(ids, unreachable, False)
            return
        async with self.pool.acquire() as conn:
            await outbox.release(conn, ids, self.claim.id)
        self.report.released += len(ids)


async def _recipients(
    conn: asyncpg.Connection, config: AlertConfig, claim: outbox.Claim
) -> list[Recipient]:
    """The claimed alerts grouped into emails: one per recipient authority (more only when
    it has over max_alerts_per_email)."""
    views = await load_views(conn, claim.alert_ids, config.base_url)
    found = await outbox.recipients(conn, list(claim.by_recipient))
    by_recipient: dict[tuple[int, str], list[AlertView]] = {}
    for view in views:
        audience = "dpo" if view.kind in DPO_KINDS else "officers"
        by_recipient.setdefault((view.recipient_authority_id, audience), []).append(view)
    emails: list[Recipient] = []
    for (authority_id, audience), alerts in by_recipient.items():
        r = found[authority_id]
        for start in range(0, len(alerts), config.max_alerts_per_email):
            emails.append(
                Recipient(
                    authority_id,
                    r["name"],
                    r["dpo_email"] if audience == "dpo" else r["alert_email"],
                    alerts[start : start + config.max_alerts_per_email],
                    audience,
                )
            )
    return emails


async def _dead_for_want_of_address(
    pool: asyncpg.Pool,
    config: AlertConfig,
    claim: outbox.Claim,
    groups: list[Recipient],
    report: SendReport,
) -> list[Recipient]:
    ready = [g for g in groups if g.alert_email]
    for group in (g for g in groups if not g.alert_email):
        async with pool.acquire() as conn:
            rows = await outbox.mark_failed(
                conn,
                [a.id for a in group.alerts],
                claim.id,
                f"{group.name} has no "
                f"{'data protection officer' if group.audience == 'dpo' else 'alert'} email "
                "address: set one, then resend",
                permanent=True,
                max_attempts=config.max_attempts,
                retry_base_seconds=config.retry_base_seconds,
                retry_max_seconds=config.retry_max_seconds,
            )
        report.dead += len(rows)
    return ready


@dataclass
class Claimed:
    claim: outbox.Claim
    emails: list[Recipient]
    started: float  # loop time just before the claim: its lease ends after started + lease


async def _claim_next(
    pool: asyncpg.Pool, config: AlertConfig, size: int, owner: int | None = None
) -> Claimed | None:
    started = asyncio.get_running_loop().time()
    async with pool.acquire() as conn:
        claim = await outbox.claim_due(conn, size, config.lease_seconds, owner)
        if not claim.alert_ids:
            return None
        try:
            return Claimed(claim, await _recipients(conn, config, claim), started)
        except BaseException:
            await _finish(outbox.release(conn, claim.alert_ids, claim.id))
            raise


FIRST_CLAIM = 250  # smaller first, so the first emails leave while a full claim is prepared


class Delivery:
    """Lanes (one SMTP connection each) sending the emails of successive claims from one
    queue, while a producer claims and prepares the next batch before the queue runs dry.
    No lane waits for a batch to finish before starting on the next."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        config: AlertConfig,
        transport: Transport,
        stopping: asyncio.Event | None,
        *,
        owner: int | None = None,
        lanes: int | None = None,
    ) -> None:
        self.pool, self.config, self.transport = pool, config, transport
        self.owner = owner  # this process's liveness key (outbox.Liveness), carried by claims
        self.lanes = lanes or config.send_concurrency
        self.resumed = False  # the transport's waiting alerts were made due after a success
        self.stopping = stopping or asyncio.Event()
        self.queue: deque[tuple[Batch, Recipient]] = deque()
        self.batches: list[Batch] = []
        self.producing = True
        self.changed = asyncio.Event()  # the queue grew, or the producer finished
        self.room = asyncio.Event()  # the queue shrank
        self.unreachable: str | None = None
        self.uncertain = False
        self.resuming: asyncio.Future[None] | None = None

    def _queued_alerts(self) -> int:
        return sum(len(email.alerts) for _, email in self.queue)

    def _halted(self) -> bool:
        return self.unreachable is not None or self.uncertain or self.stopping.is_set()

    def _resume_waiting(self) -> None:
        """The transport accepted an email: alerts waiting on it after an outage are due now,
        and this run's producer claims them."""
        self.resuming = asyncio.ensure_future(self._resume())

    async def _resume(self) -> None:
        with contextlib.suppress(Exception):
            async with self.pool.acquire() as conn:
                if await outbox.resume_after_outage(conn):
                    log.info("alerts: the mail server accepts again; retries are due now")

    async def run(self) -> SendReport:
        producer = asyncio.ensure_future(self._produce())
        lanes = [asyncio.ensure_future(self._lane()) for _ in range(self.lanes)]
        try:
            await asyncio.gather(producer, *lanes)
        finally:
            for task in (producer, *lanes):
                task.cancel()
            await asyncio.gather(producer, *lanes, return_exceptions=True)
            if self.resuming is not None:
                await asyncio.gather(self.resuming, return_exceptions=True)
            await _finish(self._settle())
        total = SendReport()
        for batch in self.batches:
            total.add(batch.report)
        return total

    async def _produce(self) -> None:
        size = min(FIRST_CLAIM, self.config.batch_size)
        try:
            while not self._halted():
                # one batch ahead is enough: wait while a full batch is still queued
                while self._queued_alerts() >= self.config.batch_size and not self._halted():
                    self.room.clear()
                    await self.room.wait()
                claimed = await _claim_next(self.pool, self.config, size, self.owner)
                if claimed is None:
                    return
                batch = Batch(
                    self.pool,
                    self.config,
                    claimed.claim,
                    deadline=claimed.started + self.config.lease_seconds - 0.5,
                )
                self.batches.append(batch)
                emails = await _dead_for_want_of_address(
                    self.pool, self.config, claimed.claim, claimed.emails, batch.report
                )
                self.queue.extend((batch, email) for email in emails)
                self.changed.set()
                if len(claimed.claim.alert_ids) < size:
                    return  # that was all that is due
                size = self.config.batch_size
        finally:
            self.producing = False
            self.changed.set()

    async def _lane(self) -> None:
        marking: asyncio.Future[None] | None = (
            None  # the previous email's "sent" mark, committing while the next is composed
        )
        try:
            async with self.transport.session() as session:
                while not self._halted():
                    if not self.queue:
                        if not self.producing:
                            return
                        self.changed.clear()
                        await self.changed.wait()
                        continue
                    batch, recipient = self.queue.popleft()
                    self.room.set()
                    if not batch.may_start():
                        batch.untried.append(recipient)  # its lease is too short now: hand it back
                        continue
                    email = batch.compose(recipient)
                    if marking is not None:
                        # the previous email is recorded before this one leaves: at most one
                        # email per lane is ever sent but not yet recorded
                        await _finish(marking)
                        marking = None
                        if self._halted():  # stopped, or the server lost, while we waited
                            batch.untried.append(recipient)
                            break
                    stopped_by, marking = await batch.deliver(session, recipient, email)
                    if stopped_by is not None and stopped_by.unreachable:
                        self.unreachable = stopped_by.reason  # the rest would all fail with it
                        self.room.set()
                    elif stopped_by is not None:
                        # the server may have taken it without saying so: send no more this
                        # run, each would be another possible duplicate (docs/alerts.md)
                        self.uncertain = True
                        self.room.set()
                    elif marking is not None and not self.resumed:
                        self.resumed = True
                        marking.add_done_callback(lambda _: self._resume_waiting())
        finally:
            if marking is not None:
                await _finish(marking)

    async def _settle(self) -> None:
        while self.queue:
            batch, email = self.queue.popleft()
            batch.untried.append(email)
        for batch in self.batches:
            await batch.settle(self.unreachable)


async def send_due_alerts(
    pool: asyncpg.Pool,
    config: AlertConfig,
    transport: Transport,
    *,
    stopping: asyncio.Event | None = None,
    owner: int | None = None,
    lanes: int | None = None,
) -> SendReport:
    """Send everything due until nothing is due, the server cannot be reached or may have
    taken an email without confirming it, or we are stopping. Alerts handed back (a lease too
    short to start them) wait for the next run. `owner`: the process's liveness key;
    `lanes`: emails in flight at once (default ALERT_SEND_CONCURRENCY)."""
    return await Delivery(pool, config, transport, stopping, owner=owner, lanes=lanes).run()
