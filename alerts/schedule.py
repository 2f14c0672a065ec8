"""The scheduler: every job the service runs by itself, in one table.

It runs inside the service (a lifespan, when CROSSCHECK_SCHEDULER is on) and as
`crosscheck worker`. Any number of schedulers may run at once against one database: every
job is idempotent there (SKIP LOCKED claims, unique keys, guarded state changes, advisory
locks), so two never send the same alert twice.

Every job is safe to cancel (APScheduler 3.11 cancels running async jobs when it shuts
down): database work is one transaction, which a cancellation rolls back; a result already
sent is recorded before the job gives way; an email cut off mid-send is left under its
lease and re-sent after it lapses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts import outbox, poster, rules, webhooks
from alerts.config import AlertConfig
from alerts.dispatch import SendReport, send_due_alerts
from alerts.transports import Transport, make_transport
from registry import duplicates, housekeeping, limits, retention
from registry.today import LONDON, london_today

log = logging.getLogger("crosscheck.scheduler")
# APScheduler's own lines ("running job", "skipped: maximum number of running instances",
# every few seconds) are noise here: our jobs log what matters under crosscheck.*.
logging.getLogger("apscheduler").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Every:
    """An interval, read from a named AlertConfig field (so tests can shorten it)."""

    seconds_from: str

    def trigger(self, config: AlertConfig) -> IntervalTrigger:
        return IntervalTrigger(seconds=getattr(config, self.seconds_from), timezone=LONDON)


@dataclass(frozen=True)
class Daily:
    """A time of day, UK time."""

    hour: int
    minute: int

    def trigger(self, config: AlertConfig) -> CronTrigger:
        return CronTrigger(hour=self.hour, minute=self.minute, timezone=LONDON)


@dataclass(frozen=True)
class Hourly:
    minute: int

    def trigger(self, config: AlertConfig) -> CronTrigger:
        return CronTrigger(minute=self.minute, timezone=LONDON)


@dataclass(frozen=True)
class Entry:
    id: str  # also the name of the Jobs method that does it
    does: str
    when: Every | Daily | Hourly
    at_start: bool  # also once when the scheduler starts (catches up after downtime)


SCHEDULE: tuple[Entry, ...] = (
    #     id                 what it does                                when                    at start
    Entry("queue_alerts", "turn new register events into alerts", Every("interval_seconds"), True),
    Entry(
        "send_alerts", "send due alerts, one email per authority", Every("interval_seconds"), True
    ),
    Entry(
        "send_webhooks",
        "queue new events for webhook subscriptions and POST due deliveries",
        Every("interval_seconds"),
        True,
    ),
    Entry(
        "sweep_leases",
        "re-queue alerts and webhooks whose sender died or whose lease lapsed",
        Every("sweep_seconds"),
        True,
    ),
    Entry("queue_reminders", "information-request deadline reminders", Hourly(minute=5), True),
    Entry("expire_licences", "licences past their expiry date expire", Daily(0, 10), True),
    Entry("purge_records", "remove records past 11-year retention", Daily(2, 30), True),
    Entry(
        "forget_retry_keys",
        "replies kept for retried POSTs after 24 h; old hourly use counts",
        Hourly(minute=35),
        True,
    ),
    Entry("find_duplicates", "raise possible duplicate driver records", Daily(3, 15), False),
    Entry(
        "rescreen_adverse",
        "re-screen drivers with an entry in force against other records",
        Daily(3, 45),
        False,
    ),
)
JOB_IDS = tuple(entry.id for entry in SCHEDULE)


class Jobs:
    """What each scheduled job does; one method per SCHEDULE entry."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        config: AlertConfig,
        transport: Transport | None = None,
        stopping: asyncio.Event | None = None,
        reader: Callable[[], Awaitable[asyncpg.Pool]] | None = None,
    ) -> None:
        self.pool = pool
        # where the register-wide jobs read: a hot standby's pool while it is recent enough
        # (the service's DATABASE_REPLICA_URL), else the primary's; writes stay on `pool`
        self.reader = reader
        self.config = config
        self.transport = transport or make_transport(config)
        self.stopping = stopping or asyncio.Event()
        self.wake_sender: Callable[[], None] = lambda: None
        # the webhooks job runs when register events commit, not only every interval
        self.listener = webhooks.Listener(pool, lambda: self.wake_webhooks())
        self.wake_webhooks: Callable[[], None] = lambda: None
        self.http: poster.Poster | None = None  # one client for the process
        self.liveness = outbox.Liveness(pool)
        # After an email the server may have taken without confirming it, send one at a time
        # until one is confirmed: each unconfirmed email is a possible duplicate.
        self.probing = False

    async def queue_alerts(self) -> int:
        async with self.pool.acquire() as conn:
            queued = await rules.queue_all_new_alerts(conn, self.config.batch_size)
        if queued.alerts:
            self.wake_sender()  # new alerts go out now, not at the next tick
        return queued.alerts

    async def send_alerts(self) -> SendReport:
        report = await send_due_alerts(
            self.pool,
            self.config,
            self.transport,
            stopping=self.stopping,
            owner=await self.liveness.current_key(),
            lanes=1 if self.probing else None,
        )
        if report.uncertain:
            self.probing = True
        elif report.emails:
            self.probing = False
        if report.claimed:
            log.info(
                "alerts: %d sent in %d emails, %d to retry, %d dead, %d handed back",
                report.sent,
                report.emails,
                report.retrying,
                report.dead,
                report.released,
            )
        return report

    async def send_webhooks(self) -> webhooks.DeliveryReport:
        """Fan out and deliver; again while register events commit meanwhile (LISTEN)."""
        await self.listener.ensure()
        if self.http is None:
            self.http = webhooks.client(self.config.webhooks)
        while True:
            self.listener.news.clear()
            queued = await webhooks.fan_out(self.pool)
            report = await webhooks.deliver_due(
                self.pool,
                self.config.webhooks,
                self.http,
                owner=await self.liveness.current_key(),
                transport=self.transport,
                mail_from=self.config.mail_from,
                stopping=self.stopping,
                news=self.listener.news,
            )
            if queued or report.claimed:
                log.info(
                    "webhooks: %d queued, %d delivered, %d failed, %d subscriptions paused",
                    queued + report.queued,
                    report.delivered,
                    report.failed,
                    report.paused,
                )
            if self.stopping.is_set() or not self.listener.news.is_set():
                return report

    async def close(self) -> None:
        """The webhook sender's listening connection and HTTP client."""
        await self.listener.close()
        if self.http is not None:
            await self.http.aclose()
            self.http = None

    async def sweep_leases(self) -> int:
        async with self.pool.acquire() as conn:
            swept = await outbox.sweep_expired_leases(conn)
            hooks = await webhooks.sweep(conn)
        if hooks:
            log.warning("webhooks: %d re-queued from a sender that stopped", hooks)
        if swept:
            log.warning("alerts: %d re-queued from a sender that stopped", swept)
            self.wake_sender()
        return swept

    async def queue_reminders(self) -> int:
        async with self.pool.acquire() as conn:
            count = await rules.queue_request_reminders(conn, london_today())
        if count:
            self.wake_sender()
        return count

    async def expire_licences(self) -> int | None:
        async with self.pool.acquire() as conn:
            return await housekeeping.expire_licences(conn, london_today())

    async def purge_records(self) -> dict[str, int] | None:
        async with self.pool.acquire() as conn:
            return await retention.purge_expired_records(conn, london_today())

    async def find_duplicates(self) -> int | None:
        async with (
            self.pool.acquire() as conn,
            self.pool.acquire() as helper,
            self.read_connection() as reader,
        ):
            report = await duplicates.find_duplicates(conn, helpers=[helper], reader=reader)
        return None if report is None else report.new

    @contextlib.asynccontextmanager
    async def read_connection(self) -> AsyncIterator[asyncpg.Connection | None]:
        """A connection of the reader's pool when it is not the primary's own, else None."""
        pool = await self.reader() if self.reader is not None else self.pool
        if pool is self.pool:
            yield None
            return
        async with pool.acquire() as conn:
            yield conn

    async def rescreen_adverse(self) -> int:
        async with self.pool.acquire() as conn:
            return await rules.queue_sweep_alerts(conn)

    async def forget_retry_keys(self) -> int:
        async with self.pool.acquire() as conn:
            await limits.forget_old_windows(conn)
            return await housekeeping.forget_retry_keys(conn)


class Scheduler:
    """An AsyncIOScheduler loaded from SCHEDULE, with a shutdown that lets running jobs end."""

    def __init__(
        self, jobs: Jobs, only: tuple[str, ...] | list[str] = (), grace_seconds: float = 10.0
    ) -> None:
        self.jobs = jobs
        self.entries = [e for e in SCHEDULE if not only or e.id in only]
        self.grace_seconds = grace_seconds
        self.running: set[asyncio.Task[Any]] = set()
        # for /metrics and /ready: runs and failures per job, and when a job last finished
        self.runs: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.last_heartbeat: float | None = None  # loop-independent monotonic time
        self.aps = AsyncIOScheduler(timezone=LONDON)
        jobs.wake_sender = self._wake_sender
        jobs.wake_webhooks = lambda: self._wake("send_webhooks")

    async def _run(self, job_id: str) -> None:
        task = asyncio.current_task()
        assert task is not None  # APScheduler runs each job as a task of its own
        self.running.add(task)
        try:
            await getattr(self.jobs, job_id)()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 (one failing job must not stop the scheduler)
            # the type only: a database error's text can quote personal data
            log.error("scheduled job %s failed: %s", job_id, type(exc).__name__)
            self.failures[job_id] = self.failures.get(job_id, 0) + 1
        finally:
            self.running.discard(task)
            self.runs[job_id] = self.runs.get(job_id, 0) + 1
            self.last_heartbeat = time.monotonic()

    def _wake_sender(self) -> None:
        self._wake("send_alerts")

    def _wake(self, job_id: str) -> None:
        """Run the job now (a job already running picks the news up itself)."""
        job = self.aps.get_job(job_id)
        if job is not None and self.aps.running:
            job.modify(next_run_time=datetime.now(LONDON))

    def start(self) -> None:
        now = datetime.now(LONDON)
        for n, entry in enumerate(self.entries):
            self.aps.add_job(
                self._run,
                entry.when.trigger(self.jobs.config),
                args=[entry.id],
                id=entry.id,
                name=entry.does,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                # staggered a little so the first ticks do not all land at once
                next_run_time=now + timedelta(milliseconds=100 * n) if entry.at_start else None,
            )
        self.aps.start()
        log.info("scheduler started: %s", ", ".join(e.id for e in self.entries))

    async def stop(self) -> None:
        """Stop taking new work, give running jobs a grace period, then cancel the rest."""
        self.jobs.stopping.set()
        if self.aps.running:
            self.aps.pause()
        if self.running:
            await asyncio.wait(set(self.running), timeout=self.grace_seconds)
        if self.aps.running:
            self.aps.shutdown(wait=False)
        leftover = set(self.running)
        for task in leftover:
            task.cancel()
        if leftover:
            await asyncio.wait(leftover, timeout=self.grace_seconds)
        await asyncio.sleep(0)  # let the scheduler's own shutdown run on this loop
        await self.jobs.close()
        await self.jobs.liveness.close()  # claims left now are re-queued by the next sweep


@contextlib.asynccontextmanager
async def running(
    pool: asyncpg.Pool,
    config: AlertConfig,
    *,
    only: tuple[str, ...] | list[str] = (),
    transport: Transport | None = None,
    reader: Callable[[], Awaitable[asyncpg.Pool]] | None = None,
) -> AsyncIterator[Scheduler]:
    """Run the schedule for the life of the block."""
    scheduler = Scheduler(Jobs(pool, config, transport, reader=reader), only)
    scheduler.start()
    try:
        yield scheduler
    finally:
        await scheduler.stop()


def describe_schedule(config: AlertConfig) -> list[str]:
    lines = []
    for entry in SCHEDULE:
        when = entry.when
        if isinstance(when, Every):
            text = f"every {getattr(config, when.seconds_from):g} s"
        elif isinstance(when, Daily):
            text = f"daily at {when.hour:02d}:{when.minute:02d} UK time"
        else:
            text = f"hourly at :{when.minute:02d}"
        lines.append(f"{entry.id:18} {text:28} {entry.does}")
    return lines
