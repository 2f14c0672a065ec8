"""A real SMTP server (aiosmtpd) for the alert tests, and small helpers around it."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from alerts.config import AlertConfig, SmtpConfig
from licensing import db


def free_port() -> int:
    # aiosmtpd's Controller does not accept port 0: ask the OS for a free one first
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def alert_ids(self) -> list[int]:
        return [int(x) for x in str(self.message["X-Crosscheck-Alerts"]).split(",")]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Inbox:
    """What the server received; addresses in `refuse` are answered 550 at RCPT."""

    refuse: set[str] = field(default_factory=set)
    delay: float = 0.0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable: no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"

    def alert_ids(self) -> list[int]:
        with self.lock:
            return [i for m in self.messages for i in m.alert_ids]

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.to]


@contextlib.contextmanager
def smtp_server(port: int | None = None, inbox: Inbox | None = None):
    inbox = inbox or Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port or free_port(), server_hostname="test-mail"
    )
    controller.start()
    try:
        inbox.port = controller.port
        yield inbox
    finally:
        controller.stop()


def config_for(port: int, **overrides) -> AlertConfig:
    """Fast settings for tests: short leases and retries, small timeouts."""
    values = {
        "base_url": "https://crosscheck.test",
        "smtp": SmtpConfig(port=port, timeout_seconds=2),
        "interval_seconds": 0.2,
        "sweep_seconds": 0.5,
        "lease_seconds": 5,
        "retry_base_seconds": 0.1,
        "retry_max_seconds": 0.5,
        "max_attempts": 8,
    }
    values.update(overrides)
    return AlertConfig(**values)


def worker_env(db_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {
        "DATABASE_URL": db_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "CROSSCHECK_BASE_URL": "https://crosscheck.test",
        "ALERT_INTERVAL_SECONDS": "0.2",
        "ALERT_SWEEP_SECONDS": "0.5",
        "ALERT_LEASE_SECONDS": "8",
        "SMTP_TIMEOUT_SECONDS": "2",
        "ALERT_RETRY_BASE_SECONDS": "0.1",
        "ALERT_RETRY_MAX_SECONDS": "0.5",
    }
    env.update(extra)
    return env


async def set_alert_email(conn, name: str, address: str | None = None) -> str:
    address = address or f"licensing@{name.lower().replace(' ', '-')}.gov.uk"
    await conn.execute("UPDATE authority SET alert_email = $2 WHERE name = $1", name, address)
    return address


async def give_every_authority_an_address(conn) -> None:
    await conn.execute("UPDATE authority SET alert_email = lower(code) || '@alerts.test'")


async def wait_until(predicate, timeout: float = 60.0, every: float = 0.05):
    """Poll an (async or plain) predicate until it is truthy; fail after `timeout`.

    The ceiling is generous on purpose: a process, a delivery or a scheduler run that takes
    seconds alone can take ten times as long on a shared, busy machine, and a passing wait
    returns as soon as its condition holds, so only a real failure pays for the ceiling."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(every)


async def pool_for(db_url: str):
    return await db.create_pool(db_url, min_size=1, max_size=6)


async def send_all_due(db_url: str) -> Inbox:
    """Send every alert due, as the worker would, to an SMTP server of the test's own; its
    inbox."""
    from alerts.dispatch import send_due_alerts
    from alerts.transports import SmtpTransport

    pool = await pool_for(db_url)
    try:
        with smtp_server() as inbox:
            config = config_for(inbox.port)
            await send_due_alerts(pool, config, SmtpTransport(config.smtp, config.mail_from))
    finally:
        await pool.close()
    return inbox


async def statuses(conn) -> dict[str, int]:
    rows = await conn.fetch("SELECT status, count(*) AS n FROM alert GROUP BY status")
    return {r["status"]: r["n"] for r in rows}
