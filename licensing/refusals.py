"""Refused attempts leave an audit row.

A signed-in caller who asks for a record by id and is answered 404 (it does not exist, or it is
another authority's private record: a narrative, a concern or an information request that is not
theirs, a possible duplicate with no interest for them, a guessed driver id) gets exactly the
same 404 as before; afterwards a 'refused' row naming the route and the ids asked for is written
to their authority's audit log, where its data protection officer reads it (docs/security.md V4).
"""

from __future__ import annotations

import logging

import asyncpg
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from licensing import db
from registry import audit_log
from registry.actor import Actor, acting

log = logging.getLogger(__name__)


def asked_for(scope: Scope) -> dict[str, str]:
    """The ids in the path (parameters named *_id), as text."""
    params = scope.get("path_params") or {}
    return {name: str(value) for name, value in params.items() if name.endswith("_id")}


class RefusalAudit(ASGIMiddleware):
    """After a 404 to a signed-in caller on a route that names a record by id, one audit row."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["type"] != "http":
            await next_app(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await next_app(scope, receive, watch)
        principal = scope.get("user")
        ids = asked_for(scope)
        if status != 404 or principal is None or not ids:
            return
        try:
            async with db.lent(scope["app"].state.pool) as conn:
                actor = Actor(principal.user_id, principal.authority_id)
                async with acting(conn, actor):
                    await audit_log.refused(
                        conn,
                        user_id=principal.user_id,
                        authority_id=principal.authority_id,
                        method=scope["method"],
                        route=scope.get("path_template") or "",
                        ids=ids,
                    )
        except (asyncpg.PostgresError, OSError, TimeoutError):
            # The 404 has been sent; a database that is down only loses this row.
            log.warning(
                "could not audit a refused request", extra={"route": scope.get("path_template")}
            )
