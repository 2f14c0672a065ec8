"""Ways to hand an email over: SMTP (aiosmtplib) and GOV.UK Notify.

A transport opens sessions; a session sends emails one at a time and returns the id the
message is known by. Failures are DeliveryError: `permanent` when trying again cannot help
(the server refused the address), `unreachable` when the server could not be reached at all
(so the rest of the batch need not try).
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import secrets
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.header import Header
from email.utils import formatdate, make_msgid, parseaddr
from functools import lru_cache
from typing import Any

import aiosmtplib

from alerts.config import AlertConfig, NotifyConfig, SmtpConfig


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    message_id: str
    headers: dict[str, str] = field(default_factory=dict)
    # for GOV.UK Notify: the values of its template's placeholders
    personalisation: dict[str, str] = field(default_factory=dict)

    def as_bytes(self, mail_from: str) -> bytes:
        """The MIME message: multipart/alternative, plain text then HTML, both UTF-8 in
        quoted-printable. Built directly: the email package's EmailMessage costs several
        milliseconds a message, more than the SMTP exchange itself."""
        boundary = "=_crosscheck_" + secrets.token_hex(12)
        headers = [
            ("From", _one_line(mail_from)),
            ("To", _one_line(self.to)),
            ("Subject", _header_text(self.subject)),
            ("Date", formatdate(usegmt=True)),
            ("Message-ID", self.message_id),
            *((name, _fold(value)) for name, value in self.headers.items()),
            ("MIME-Version", "1.0"),
            ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ]
        lines = [f"{name}: {value}" for name, value in headers]
        for subtype, body in (("plain", self.text), ("html", self.html)):
            encoding, encoded = _body(body)
            lines += [
                "",
                f"--{boundary}",
                f'Content-Type: text/{subtype}; charset="utf-8"',
                f"Content-Transfer-Encoding: {encoding}",
                "",
                encoded,
            ]
        lines += ["", f"--{boundary}--", ""]
        # CRLF throughout, as SMTP carries it (SmtpSession.send relies on it for SIZE)
        return "\r\n".join(lines).replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def _body(body: str) -> tuple[str, str]:
    """Plain ASCII with short lines goes as it is (7bit); anything else, such as a name with
    an accent, in quoted-printable."""
    if body.isascii() and max(map(len, body.split("\n"))) <= 900:
        return "7bit", body
    return "quoted-printable", binascii.b2a_qp(body.encode(), istext=True).decode("ascii")


def _one_line(value: str) -> str:
    # no line breaks from data into headers (they would start new headers)
    return " ".join(value.split())


def _header_text(value: str) -> str:
    value = _one_line(value)
    if value.isascii():
        return _fold(value)
    return Header(value, "utf-8").encode()  # RFC 2047 encoded words (Ynys Môn)


def _fold(value: str, width: int = 76) -> str:
    """Fold a long ASCII header at spaces (a line may not pass 998 characters)."""
    words, lines, line = _one_line(value).split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


class DeliveryError(Exception):
    """`permanent`: retrying cannot help. `unreachable`: the server could not be reached, so
    nothing was sent. `uncertain`: the message went and no answer came (a timeout after DATA):
    the server may have accepted it. `recipient`: the server refused this address only."""

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool = False,
        unreachable: bool = False,
        uncertain: bool = False,
        recipient: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason[:900]
        self.permanent = permanent
        self.unreachable = unreachable
        self.uncertain = uncertain
        self.recipient = recipient

    @property
    def transport(self) -> bool:
        """The mail server's failure (or the route's), not the address's."""
        return not self.permanent and not self.recipient


@lru_cache(maxsize=16)
def _domain(mail_from: str) -> str:
    return parseaddr(mail_from)[1].partition("@")[2] or "crosscheck.localhost"


def new_message_id(mail_from: str) -> str:
    return make_msgid("alerts", domain=_domain(mail_from))


class SmtpTransport:
    name = "smtp"

    def __init__(self, config: SmtpConfig, mail_from: str) -> None:
        self.config = config
        self.mail_from = mail_from
        self.sender = parseaddr(mail_from)[1]  # the envelope sender

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.config.security == "none":
            return None
        return ssl.create_default_context(cafile=self.config.ca_file)

    def _client(self) -> aiosmtplib.SMTP:
        c = self.config
        return aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            timeout=c.timeout_seconds,
            use_tls=c.security == "tls",
            start_tls=c.security == "starttls",
            tls_context=self._tls_context(),
            username=c.username,
            password=c.password,
        )

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        session = SmtpSession(self)
        try:
            yield session
        finally:
            await session.close()


class SmtpSession:
    """One SMTP connection, reused for every email of a batch (opened on first use)."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self.client: aiosmtplib.SMTP | None = None

    async def _connect(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        client = self.transport._client()
        c = self.transport.config
        try:
            await client.connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"the mail server at {c.host}:{c.port} refused the sign-in "
                f"({exc.code} {exc.message})",
                unreachable=True,
            ) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(
                f"could not reach the mail server at {c.host}:{c.port}: {_describe(exc)}",
                unreachable=True,
            ) from None
        self.client = client
        return client

    async def send(self, email: Email) -> str:
        client = await self._connect()
        message = email.as_bytes(self.transport.mail_from)
        sent_data = False
        try:
            # The envelope step by step rather than sendmail(), which runs a regular
            # expression over the whole message to measure it for SIZE: ours is built with
            # CRLF line endings, so its length is its size.
            size = [f"SIZE={len(message)}"] if client.supports_extension("size") else []
            await client.mail(self.transport.sender, options=size)
            await client.rcpt(email.to)
            sent_data = True
            await client.data(message)
        except aiosmtplib.SMTPRecipientRefused as exc:
            await self._reset()
            raise DeliveryError(
                f"the mail server refused the address {email.to}: {exc.code} {exc.message}",
                permanent=500 <= exc.code < 600,
                recipient=True,
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop()
            raise DeliveryError(
                f"the mail server answered {exc.code} {exc.message}",
                permanent=500 <= exc.code < 600,
            ) from None
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            await self._drop()
            if sent_data:  # the message may have arrived whole, its acceptance lost
                raise DeliveryError(
                    "the mail server did not confirm the email (it may have been accepted): "
                    + _describe(exc),
                    uncertain=True,
                ) from None
            raise DeliveryError(f"sending to the mail server failed: {_describe(exc)}") from None
        return email.message_id

    async def _reset(self) -> None:
        """End the refused envelope, so the connection can carry the next email."""
        if self.client is None:
            return
        try:
            await self.client.rset()
        except (TimeoutError, aiosmtplib.SMTPException, OSError):
            await self._drop()

    async def _drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    async def close(self) -> None:
        if self.client is not None and self.client.is_connected:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.client.quit(), 5)
        await self._drop()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


class NotifyTransport:
    """GOV.UK Notify: one API call per email, through the template in
    alerts/notify_template.txt (its placeholders are the email's personalisation). Notify
    renders its own HTML and plain text from it."""

    name = "notify"

    def __init__(self, config: NotifyConfig) -> None:
        if not config.api_key or not config.template_id:
            raise ValueError("GOV.UK Notify needs NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID")
        from notifications_python_client.notifications import NotificationsAPIClient

        kwargs = {"base_url": config.base_url} if config.base_url else {}
        self.client = NotificationsAPIClient(config.api_key, **kwargs)
        self.template_id = config.template_id

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[NotifyTransport]:
        yield self

    def _send(self, email: Email) -> str:
        from notifications_python_client.errors import APIError, HTTPError

        try:
            response = self.client.send_email_notification(
                email_address=email.to,
                template_id=self.template_id,
                personalisation=email.personalisation,
                reference=email.message_id.strip("<>")[:100],
            )
        except HTTPError as exc:
            status = exc.status_code
            # 400: a bad address or template, 403: a bad key; neither improves by retrying
            raise DeliveryError(
                f"GOV.UK Notify answered {status}: {_notify_message(exc)}",
                permanent=status in (400, 403),
                unreachable=status == 403 or status >= 500,
            ) from None
        except APIError as exc:
            raise DeliveryError(
                f"GOV.UK Notify could not be reached: {exc}", unreachable=True
            ) from None
        except OSError as exc:
            raise DeliveryError(
                f"GOV.UK Notify could not be reached: {_describe(exc)}", unreachable=True
            ) from None
        return str(response.get("id", ""))

    async def send(self, email: Email) -> str:
        return await asyncio.to_thread(self._send, email)


def _notify_message(exc: Any) -> str:  # Notify's APIError
    try:
        return "; ".join(m.get("message", "") for m in exc.message) or "error"
    except (TypeError, AttributeError):
        return str(exc.message)


# What sends alert emails, and one connection of it (Notify needs none: it is its own session).
Transport = SmtpTransport | NotifyTransport
Session = SmtpSession | NotifyTransport


def make_transport(config: AlertConfig) -> Transport:
    if config.transport == "notify":
        return NotifyTransport(config.notify)
    return SmtpTransport(config.smtp, config.mail_from)
