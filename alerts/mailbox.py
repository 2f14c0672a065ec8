"""The demo's mailbox: a local SMTP server (aiosmtpd) whose messages a person can read in
the service, so the alert emails of `crosscheck serve --demo` land somewhere visible.

It runs on the service's own event loop and stores each message in the demo_mail table.
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import logging
from collections.abc import AsyncIterator
from email.message import EmailMessage

import asyncpg
import msgspec
from aiosmtpd.smtp import SMTP, Envelope

log = logging.getLogger("crosscheck.mailbox")

STORE = """
INSERT INTO demo_mail (mail_from, rcpt_to, subject, message_id, text_body, html_body)
VALUES ($1, $2, $3, $4, $5, $6)
"""


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    return part.get_content() if part is not None else ""


class MailboxHandler:
    """aiosmtpd handler: keep every message in demo_mail."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def handle_DATA(self, server: SMTP, session: object, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(
            raw.encode() if isinstance(raw, str) else raw, policy=email.policy.default
        )
        try:
            await self.pool.execute(
                STORE,
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
                str(message["Subject"] or ""),
                str(message["Message-ID"] or ""),
                _part(message, "plain"),
                _part(message, "html"),
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            # A temporary refusal, so the sender keeps the alert and tries again: aiosmtpd's
            # own answer to a failing handler is a 500, which kills the alert for good.
            log.warning("demo mailbox: could not store a message (%s)", type(error).__name__)
            return "451 4.3.0 The mailbox cannot store mail just now; try again later"
        return "250 Message accepted for delivery"


@contextlib.asynccontextmanager
async def demo_mailbox(
    pool: asyncpg.Pool, host: str, port: int
) -> AsyncIterator[asyncio.Server | None]:
    """Listen for mail on host:port for the life of the block. If the port is taken (a
    second service worker), the first one's mailbox serves."""
    loop = asyncio.get_running_loop()
    handler = MailboxHandler(pool)
    try:
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="crosscheck-demo-mailbox", loop=loop), host, port
        )
    except OSError:
        log.warning("demo mailbox: port %s is in use; not starting another", port)
        yield None
        return
    log.info("demo mailbox listening on %s:%s", host, port)
    try:
        yield server
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


class MailboxMessage(msgspec.Struct):
    id: int
    received_at: str
    mail_from: str
    to: list[str]
    subject: str
    message_id: str
    text: str
    html: str


LIST = """
SELECT id, received_at, mail_from, rcpt_to, subject, message_id, text_body, html_body
FROM demo_mail WHERE ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $1
"""


async def list_messages(
    conn: asyncpg.Connection, limit: int = 100, before_id: int | None = None
) -> list[MailboxMessage]:
    """The latest messages first (older than `before_id` when given)."""
    return [
        MailboxMessage(
            r["id"],
            r["received_at"].isoformat(),
            r["mail_from"],
            list(r["rcpt_to"]),
            r["subject"],
            r["message_id"],
            r["text_body"],
            r["html_body"],
        )
        for r in await conn.fetch(LIST, limit, before_id)
    ]
