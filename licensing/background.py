"""What the service runs beside answering requests: the alert scheduler and, in the demo,
the local mailbox. Both are lifespans that come after the database pool, so they stop first."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import asyncpg
from litestar import Litestar

from alerts.config import AlertConfig
from alerts.mailbox import demo_mailbox
from alerts.schedule import running
from licensing.settings import Settings

# what Litestar runs around the application's life
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


def scheduler_lifespan(settings: Settings) -> Lifespan:
    @contextlib.asynccontextmanager
    async def scheduler(app: Litestar) -> AsyncIterator[None]:
        async def reader() -> asyncpg.Pool:  # the standby's while recent enough, else its own
            read = await app.state.reads.choose()
            return read.pool if read.source == "replica" else app.state.long_pool

        config = AlertConfig.from_settings(settings)
        async with running(app.state.long_pool, config, reader=reader) as scheduler:
            app.state.scheduler = scheduler
            yield

    return scheduler


def mailbox_lifespan(settings: Settings) -> Lifespan:
    @contextlib.asynccontextmanager
    async def mailbox(app: Litestar) -> AsyncIterator[None]:
        async with demo_mailbox(app.state.pool, settings.smtp_host, settings.smtp_port):
            yield

    return mailbox


def lifespans(settings: Settings) -> list[Lifespan]:
    found: list[Lifespan] = []
    if settings.demo_mailbox:
        found.append(mailbox_lifespan(settings))
    if settings.run_scheduler:
        found.append(scheduler_lifespan(settings))
    return found
