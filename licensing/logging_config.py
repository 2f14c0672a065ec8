"""Application logs: one line per request, and nothing personal in any line.

A request line carries the method, the route's template (`/api/v1/users/{user_id:int}`, never
the path as sent: paths and query strings can hold names, dates of birth or licence numbers),
the status and the time taken. Bodies, query strings and headers are never logged; error
handlers log exception types and routes only (licensing/problems.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import TextIO

from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from licensing.db import unavailable

LOGGER = "crosscheck"
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
request_log = logging.getLogger(LOGGER + ".request")


def litestar_logging(level: str | None = None) -> LoggingConfig:
    """Litestar's logging set-up with our format and level. Exceptions are never logged with
    their message or traceback by litestar: messages can echo submitted values."""
    name = (level or os.environ.get("CROSSCHECK_LOG_LEVEL") or "INFO").upper()
    if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        name = "INFO"
    return LoggingConfig(
        formatters={"standard": {"format": FORMAT}},
        loggers={
            "litestar": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False},
            LOGGER: {"level": name, "propagate": True},  # to the root's handler, once
            # the demo mailbox's SMTP server (aiosmtpd) logs every connection, including a
            # harmless "Connection lost" after each QUIT: only its warnings, unless asked
            "mail.log": {"level": "DEBUG" if name == "DEBUG" else "WARNING"},
        },
        handlers={"lines": {"()": LineBatchHandler, "formatter": "standard"}},
        root={"level": "INFO", "handlers": ["lines"]},
        log_exceptions="never",
    )


class LineBatchHandler(logging.Handler):
    """Writes log lines to stderr, those logged in one turn of the event loop together.

    The usual handler for an asyncio service hands each record to a thread through a queue:
    at hundreds of requests a second, waking that thread for every request line cost more
    CPU than anything else in a search's Python (measured with py-spy, bench/README.md).
    Here a line logged inside the event loop waits in a list until the loop's current turn
    ends, then every waiting line goes out in one write; outside a loop (the CLI, a worker
    thread) a line is written at once."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream
        self.waiting: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + "\n"
        except Exception:  # noqa: BLE001 (logging must never raise into the caller)
            self.handleError(record)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write(line)
            return
        if not self.waiting:
            loop.call_soon(self.flush)
        self.waiting.append(line)

    def flush(self) -> None:
        # emit runs under the handler's lock (Handler.handle): so does taking the list here
        assert self.lock is not None  # made by Handler.__init__
        with self.lock:
            lines, self.waiting = self.waiting, []
        if lines:
            self._write("".join(lines))

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            pass  # nowhere to write to (a closed stream at exit): the line is lost, not the request

    def close(self) -> None:
        self.flush()
        super().close()


class RequestLog(ASGIMiddleware):
    """Logs method, route template, status and duration of each HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        status = 500  # if the app fails before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await next_app(scope, receive, send_status)
        except Exception as exc:
            # answered by the app's outermost handler, after this line is written: the status
            # it will give (a database that cannot answer is a 503, licensing/problems.py)
            status = getattr(exc, "status_code", None) or (503 if unavailable(exc) else 500)
            raise
        finally:
            seconds = time.perf_counter() - started
            method, route = scope.get("method", "-"), scope.get("path_template") or "-"
            request_log.info("%s %s %s %.1fms", method, route, status, seconds * 1000)
            metrics = getattr(scope["app"].state, "metrics", None) if "app" in scope else None
            if metrics is not None:  # licensing/metrics.py: the same four facts, counted
                metrics.observe(method, route, status, seconds)
