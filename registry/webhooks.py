"""Webhooks: an authority's administrator subscribes an https URL to kinds of register event;
each event of the authority's change feed (registry/feed.py) of a subscribed kind becomes one
delivery, signed as the Standard Webhooks specification says.

Signing: `webhook-id` (the delivery's id, the same on every retry), `webhook-timestamp` (Unix
seconds) and `webhook-signature`: "v1," + base64 HMAC-SHA256 of "id.timestamp.body", keyed
with the base64 part of the "whsec_" secret. After a rotation the previous secret stays valid
for ROTATION_GRACE: deliveries carry a signature with each, separated by a space.

Targets: https only, and the host must not resolve to a private, loopback, link-local or
otherwise non-public address (checked when subscribing, and again each time the sender opens
a connection, to the very address it checked: alerts/poster.py), unless the service allows
loopback (WEBHOOKS_ALLOW_LOOPBACK, for tests and the demo), which also allows plain http to
a loopback address.

The outbox for deliveries (claims, leases, retries) is alerts/webhooks.py.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import ipaddress
import secrets
import socket
import time
from datetime import datetime
from urllib.parse import urlsplit

import asyncpg
import msgspec

from registry import audit_log, paging
from registry.actor import Actor, acting
from registry.errors import Conflict, Invalid, NotFound
from registry.feed import KINDS

MAX_ID = 2**63 - 1
MAX_URL = 2000
MAX_SUBSCRIPTIONS = 50  # per authority
ROTATION_GRACE_HOURS = 24


# Signing ------------------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@functools.lru_cache(maxsize=1024)
def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One "v1,<base64>" signature of the message under one whsec_ secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.digest(_key(secret), signed, hashlib.sha256)
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery, signed with every secret given."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_),
    }


def verify(secret: str, sent: dict[str, str], body: bytes, tolerance: int | None = 300) -> bool:
    """What a receiver does: one of the signatures matches, and the timestamp is recent."""
    msg_id, timestamp = sent["webhook-id"], int(sent["webhook-timestamp"])
    if tolerance is not None and abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in sent["webhook-signature"].split())


# Targets ------------------------------------------------------------------------------------


# IPv6 forms that carry an IPv4 address a translator or relay delivers to: NAT64's well-known
# prefix (RFC 6052) and the deprecated IPv4-compatible form hold it in the last 32 bits, 6to4
# (2002::/16) in the 32 after the prefix. ipaddress calls them global whatever they hold, so
# the address inside is checked instead. A local-use NAT64 prefix (RFC 8215) leads into the
# network's own translator, never a public one.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _allowed_address(address: str, allow_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if allow_loopback and ip.is_loopback:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return False
        carried = _carried_ipv4(ip)
        if carried is not None:
            return carried.is_global and not carried.is_multicast
    return ip.is_global and not ip.is_multicast


async def check_target(url: str, allow_loopback: bool) -> str | None:
    """Why a URL may not receive webhooks, or None when it may."""
    if len(url) > MAX_URL:
        return f"Use {MAX_URL} characters or fewer"
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "Enter a full https address, like https://example.org/hooks"
    if not parts.hostname or parts.username or parts.password:
        return (
            "Enter a full https address, like https://example.org/hooks, with no user or password"
        )
    return (await addresses(parts.scheme, parts.hostname, port, allow_loopback))[1]


async def addresses(
    scheme: str, host: str, port: int, allow_loopback: bool
) -> tuple[list[str], str | None]:
    """The host's addresses, and why they may not be sent to (None when they may). The
    sender connects to these very addresses, so what was checked is what is reached."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return [], "The address's host name does not resolve"
    resolved = sorted({str(info[4][0]) for info in found})
    if not all(_allowed_address(a, allow_loopback) for a in resolved):
        return resolved, "The address resolves to a private or local network address"
    if scheme == "https":
        return resolved, None
    if (
        scheme == "http"
        and allow_loopback
        and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in resolved)
    ):
        return resolved, None
    return resolved, "Use an https address"


# Subscriptions ------------------------------------------------------------------------------


class Subscription(msgspec.Struct):
    id: int
    url: str
    event_types: list[str]
    status: str  # active | paused
    paused_reason: str | None
    description: str
    created_at: datetime
    secret_rotated_at: datetime | None
    failing_since: datetime | None


class NewSubscription(msgspec.Struct, forbid_unknown_fields=True):
    """A URL to POST to and the kinds of register event to send there."""

    url: str
    event_types: list[str]
    description: str = ""


class WithSecret(msgspec.Struct):
    """A subscription, with its signing secret: shown once, when it is made or rotated."""

    subscription: Subscription
    secret: str


COLUMNS = """
SELECT id, url, event_types, status, paused_reason, description, created_at, secret_rotated_at,
       failing_since
FROM webhook_subscription
"""
ONE = COLUMNS + "WHERE id = $1 AND authority_id = $2"
LIST = (
    COLUMNS
    + """WHERE authority_id = $1 AND ($2::bigint IS NULL OR id > $2)
ORDER BY id LIMIT $3"""
)
COUNT = "SELECT count(*) FROM webhook_subscription WHERE authority_id = $1"
# The feed is read from the moment of subscribing: the cursor starts at the newest final event.
INSERT = """
INSERT INTO webhook_subscription (authority_id, url, event_types, description, secret, created_by,
                                  feed_cursor)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""
FEED_END = """
SELECT txid::text::bigint AS txid, id FROM register_event
WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY txid DESC, id DESC LIMIT 1
"""
ROTATE = """
UPDATE webhook_subscription
SET previous_secret = secret, previous_secret_until = now() + make_interval(hours => $3),
    secret = $4, secret_rotated_at = now()
WHERE id = $1 AND authority_id = $2
RETURNING id
"""
# Resuming: the failures start again from nothing; deliveries that waited are due now.
RESUME = """
UPDATE webhook_subscription
SET status = 'active', paused_reason = NULL, failing_since = NULL, failures = 0
WHERE id = $1 AND authority_id = $2
RETURNING id
"""
RESUME_DELIVERIES = """
UPDATE webhook_delivery SET next_attempt_at = now()
WHERE subscription_id = $1 AND status = 'pending'
"""
DELETE = "DELETE FROM webhook_subscription WHERE id = $1 AND authority_id = $2 RETURNING id"


def _authority(actor: Actor) -> int:
    if actor.authority_id is None:
        raise Invalid([("authority", "Webhooks belong to an authority: use an account of one")])
    return actor.authority_id


def _in_range(subscription_id: int) -> None:
    if not 0 < subscription_id <= MAX_ID:
        raise NotFound("webhook subscription")


async def check_new(new: NewSubscription, allow_loopback: bool) -> None:
    errors = []
    if problem := await check_target(new.url.strip(), allow_loopback):
        errors.append(("url", problem))
    if not new.event_types:
        errors.append(("event_types", "Choose at least one kind of event"))
    elif unknown := sorted(set(new.event_types) - set(KINDS)):
        errors.append(("event_types", f"Unknown kinds of event: {', '.join(unknown[:5])}"))
    if len(new.description) > 200:
        errors.append(("description", "Use 200 characters or fewer"))
    if errors:
        raise Invalid(errors)


async def subscribe(
    conn: asyncpg.Connection, actor: Actor, new: NewSubscription, *, allow_loopback: bool
) -> WithSecret:
    """Subscribe the actor's authority; events from now on are delivered."""
    authority_id = _authority(actor)
    await check_new(new, allow_loopback)
    secret = new_secret()
    async with acting(conn, actor):
        if await conn.fetchval(COUNT, authority_id) >= MAX_SUBSCRIPTIONS:
            raise Conflict(f"An authority may have {MAX_SUBSCRIPTIONS} webhook subscriptions.")
        end = await conn.fetchrow(FEED_END)
        cursor = paging.encode((end["txid"], end["id"])) if end else None
        subscription_id = await conn.fetchval(
            INSERT,
            authority_id,
            new.url.strip(),
            sorted(set(new.event_types)),
            new.description.strip(),
            secret,
            actor.user_id,
            cursor,
        )
        await _audit(conn, actor, "webhook_subscribed", subscription_id)
    return WithSecret(await get(conn, actor, subscription_id), secret)


async def _audit(conn: asyncpg.Connection, actor: Actor, action: str, subscription_id: int) -> None:
    await audit_log.record(
        conn,
        action=action,
        user_id=actor.user_id,
        authority_id=actor.authority_id,
        subject=f"webhook_subscription:{subscription_id}",
    )


async def get(conn: asyncpg.Connection, actor: Actor, subscription_id: int) -> Subscription:
    _in_range(subscription_id)
    row = await conn.fetchrow(ONE, subscription_id, _authority(actor))
    if row is None:
        raise NotFound("webhook subscription")
    return Subscription(**dict(row))


async def listed(
    conn: asyncpg.Connection, actor: Actor, after: str | None, limit: int
) -> tuple[list[Subscription], str | None]:
    """The authority's subscriptions in the order they were made, a page at a time."""
    after_id = paging.last_id(after)
    rows = await conn.fetch(LIST, _authority(actor), after_id, limit + 1)
    return paging.page(rows, limit, lambda r: (r["id"],), lambda r: Subscription(**dict(r)))


async def rotate_secret(conn: asyncpg.Connection, actor: Actor, subscription_id: int) -> WithSecret:
    """A new secret; the previous one stays valid for ROTATION_GRACE_HOURS."""
    _in_range(subscription_id)
    secret = new_secret()
    async with acting(conn, actor):
        done = await conn.fetchval(
            ROTATE, subscription_id, _authority(actor), ROTATION_GRACE_HOURS, secret
        )
        if done is None:
            raise NotFound("webhook subscription")
        await _audit(conn, actor, "webhook_secret_rotated", subscription_id)
    return WithSecret(await get(conn, actor, subscription_id), secret)


async def resume(conn: asyncpg.Connection, actor: Actor, subscription_id: int) -> Subscription:
    """A paused subscription delivers again, starting with what waited."""
    _in_range(subscription_id)
    async with acting(conn, actor):
        if await conn.fetchval(RESUME, subscription_id, _authority(actor)) is None:
            raise NotFound("webhook subscription")
        await conn.execute(RESUME_DELIVERIES, subscription_id)
        await _audit(conn, actor, "webhook_resumed", subscription_id)
    return await get(conn, actor, subscription_id)


async def unsubscribe(conn: asyncpg.Connection, actor: Actor, subscription_id: int) -> None:
    _in_range(subscription_id)
    async with acting(conn, actor):
        if await conn.fetchval(DELETE, subscription_id, _authority(actor)) is None:
            raise NotFound("webhook subscription")
        await _audit(conn, actor, "webhook_unsubscribed", subscription_id)


# Deliveries ---------------------------------------------------------------------------------


class Delivery(msgspec.Struct):
    id: str  # the webhook-id header
    subscription_id: int
    event_id: int
    event_type: str
    status: str  # pending | sending | delivered | dead
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None


def message_id(delivery_id: int) -> str:
    return f"msg_{delivery_id}"


def delivery_id(msg_id: str) -> int:
    number = msg_id.removeprefix("msg_")
    if not number.isascii() or not number.isdigit() or not 0 < int(number) <= MAX_ID:
        raise NotFound("webhook delivery")
    return int(number)


DELIVERIES = """
SELECT d.id, d.subscription_id, d.event_id, d.event_type, d.status, d.attempts, d.last_error,
       d.created_at, d.delivered_at, d.dead_at
FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id
WHERE s.authority_id = $1 AND ($2::bigint IS NULL OR d.subscription_id = $2)
  AND ($3::text IS NULL OR d.status = $3)
  AND ($4::bigint IS NULL OR d.id < $4)
ORDER BY d.id DESC LIMIT $5
"""
RESEND = """
UPDATE webhook_delivery d
SET status = 'pending', attempts = 0, next_attempt_at = now(), dead_at = NULL,
    resent_at = now(), resent_by = $3
FROM webhook_subscription s
WHERE d.id = $1 AND s.id = d.subscription_id AND s.authority_id = $2 AND d.status = 'dead'
RETURNING d.id
"""
DELIVERY_STATUS = """
SELECT d.status FROM webhook_delivery d JOIN webhook_subscription s ON s.id = d.subscription_id
WHERE d.id = $1 AND s.authority_id = $2
"""


def _delivery(row: asyncpg.Record) -> Delivery:
    return Delivery(**{**dict(row), "id": message_id(row["id"])})


async def deliveries(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    subscription_id: int | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = paging.DEFAULT_LIMIT,
) -> tuple[list[Delivery], str | None]:
    """The authority's deliveries, newest first (dead ones: status="dead")."""
    rows = await conn.fetch(
        DELIVERIES, _authority(actor), subscription_id, status, paging.last_id(after), limit + 1
    )
    return paging.page(rows, limit, lambda r: (r["id"],), _delivery)


async def resend(conn: asyncpg.Connection, actor: Actor, msg_id: str) -> None:
    """A dead delivery goes back to the queue with a fresh set of attempts; audited."""
    number = delivery_id(msg_id)
    authority_id = _authority(actor)
    async with acting(conn, actor):
        if await conn.fetchval(RESEND, number, authority_id, actor.user_id) is None:
            status = await conn.fetchval(DELIVERY_STATUS, number, authority_id)
            if status is None:
                raise NotFound("webhook delivery")
            raise Conflict(f"Only a dead delivery can be resent; this one is {status}.")
        await audit_log.record(
            conn,
            action="webhook_resent",
            user_id=actor.user_id,
            authority_id=authority_id,
            subject=f"webhook_delivery:{number}",
        )
