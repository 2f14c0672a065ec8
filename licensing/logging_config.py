"""Application logs: one line per request, and nothing personal in any line.

A request line carries the method, the route's template (`/api/v1/users/{user_id:int}`, never
the path as sent: paths and query strings can hold names, dates of birth or licence numbers),
the status and the time taken. Bodies, query strings and headers are never logged; error
handlers log exception types and routes only (licensing/problems.py).
"""

from __future__ import annotations

import logging
import os
import time

from litestar.logging.config import LoggingConfig
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
        },
        log_exceptions="never",
    )


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
        finally:
            request_log.info("%s %s %s %.1fms", scope.get("method", "-"),
                             scope.get("path_template") or "-", status,
                             (time.perf_counter() - started) * 1000)
