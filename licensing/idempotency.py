"""Writing through the API: one transaction per change, and POSTs that are safe to retry.

`perform()` is the one way a write handler runs its change. It opens the transaction, names
the actor for the event triggers, and, when the request carries an `Idempotency-Key` header,
claims the key *before* doing the work, in the same transaction:

- a new key is inserted; the work runs; its response is stored with the key; commit.
- a retry finds the stored response and replays it; nothing is created twice.
- a concurrent twin blocks on the unique key until the first transaction ends: if it
  committed, the twin replays its response; if it rolled back (an invalid request), the
  twin does the work itself.
- the same key with a different request (method, path or body) is refused (422).

Errors are not stored: they roll the transaction back, key included, so a corrected retry
with the same key goes through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
import msgspec
from litestar import Request, Response

from licensing.auth import actor_of
from licensing.problems import (
    FieldError,
    InvalidFields,
    conflict_problem,
    href,
    registry_problem,
)
from registry.actor import Actor, acting
from registry.errors import Conflict, Invalid, NotFound, from_database

HEADER = "Idempotency-Key"
KEY_LIFETIME = "24 hours"


@dataclass
class Outcome:
    """What a change produced: the response to send (and store for retries)."""

    body: object
    status: int = 201
    location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


CLAIM = """
INSERT INTO idempotency_key (user_id, authority_id, key, fingerprint)
VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id, key) DO NOTHING
RETURNING id
"""

# An expired key may be used again; the old claim goes first.
FORGET_EXPIRED = (
    "DELETE FROM idempotency_key WHERE user_id = $1 AND key = $2 AND expires_at <= now()"
)

STORED = "SELECT fingerprint, status, location, body FROM idempotency_key WHERE user_id = $1 AND key = $2"

SAVE = "UPDATE idempotency_key SET status = $2, location = $3, body = $4 WHERE id = $1"


async def fingerprint(request: Request[Any, Any, Any], body: bytes | None = None) -> bytes:
    """What makes two requests the same: method, path, query and body (the raw body, or the
    handler's own rendering of it for a multipart upload, whose stream litestar consumed)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.url.path}?{request.url.query}\n".encode())
    digest.update(await request.body() if body is None else body)
    return digest.digest()


def _key(request: Request[Any, Any, Any]) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not 1 <= len(key) <= 255:
        raise InvalidFields(
            [
                FieldError(
                    HEADER, "The Idempotency-Key header must be 1 to 255 characters, like a UUID"
                )
            ]
        )
    return key


def _replay(row: asyncpg.Record) -> Response[bytes]:
    headers = {"Idempotent-Replayed": "true"}
    if row["location"]:
        headers["Location"] = row["location"]
    return Response(
        content=bytes(row["body"]),
        status_code=row["status"],
        media_type="application/json",
        headers=headers,
    )


async def perform(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    work: Callable[[Actor], Awaitable[Outcome]],
    *,
    body: bytes | None = None,
) -> Response[Any]:
    """Run `work` once in one transaction, honouring an Idempotency-Key header."""
    actor = actor_of(request)
    key = _key(request)
    print_ = await fingerprint(request, body) if key else b""
    try:
        async with acting(conn, Actor(actor.user_id, actor.authority_id)):
            claim = None
            if key:
                await conn.execute(FORGET_EXPIRED, actor.user_id, key)
                claim = await conn.fetchval(CLAIM, actor.user_id, actor.authority_id, key, print_)
                if claim is None:
                    stored = await conn.fetchrow(STORED, actor.user_id, key)
                    if stored["fingerprint"] != print_:
                        raise InvalidFields(
                            [
                                FieldError(
                                    HEADER,
                                    "This key was already used for a different "
                                    "request: use a new key for a new request",
                                )
                            ],
                            detail="The Idempotency-Key belongs to another request.",
                        )
                    return _replay(stored)
            outcome = await work(actor)
            content = msgspec.json.encode(outcome.body)
            if claim:
                await conn.execute(SAVE, claim, outcome.status, outcome.location, content)
    except (Invalid, Conflict, NotFound) as exc:
        raise registry_problem(exc) from None
    except asyncpg.IntegrityConstraintViolationError as exc:
        mapped = from_database(exc)
        if isinstance(mapped, Conflict):
            raise conflict_problem(mapped) from None
        raise InvalidFields([FieldError(f, m) for f, m in mapped.errors]) from None
    headers = dict(outcome.headers)
    if outcome.location:
        headers["Location"] = outcome.location
    return Response(
        content=content, status_code=outcome.status, media_type="application/json", headers=headers
    )


class Record(Protocol):
    @property
    def id(self) -> object: ...


async def create(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    kind: str,
    make: Callable[[Actor], Awaitable[Record]],
) -> Response[Any]:
    """perform() for a POST that makes one record of `kind` (licensing.problems.HREFS): 201,
    with the Location where it is read."""

    async def work(actor: Actor) -> Outcome:
        made = await make(actor)
        return Outcome(made, 201, href(kind, made.id))

    return await perform(request, conn, work)


async def change(
    request: Request[Any, Any, Any],
    conn: asyncpg.Connection,
    make: Callable[[Actor], Awaitable[object]],
    status: int = 200,
    location: str | None = None,
) -> Response[Any]:
    """perform() for a change to a record: its new state, 200 (or 201 with the Location of
    the record changed, when the change is itself recorded)."""

    async def work(actor: Actor) -> Outcome:
        return Outcome(await make(actor), status, location)

    return await perform(request, conn, work)
