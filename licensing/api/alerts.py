"""Alerts in the API: an authority's received alerts and their acknowledgement, dead alerts
for administrators, and the demo mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from alerts import outbox
from alerts.compose import load_views
from alerts.mailbox import MailboxMessage, list_messages
from licensing import auth
from licensing.problems import FieldError, InvalidFields, Problem
from registry.actor import Actor, acting

MAX_ID = 2**63 - 1
Conn = NamedDependency[asyncpg.Connection]
AlertId = Annotated[int, PathParameter(description="The alert's id")]


class Fact(msgspec.Struct):
    label: str
    value: str


class ReceivedAlert(msgspec.Struct):
    id: int
    kind: str
    title: str
    facts: list[Fact]
    note: str
    record_url: str
    acknowledge_url: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class AcknowledgementOut(msgspec.Struct):
    id: int
    acknowledged_at: datetime
    acknowledged_by: int
    seconds_to_acknowledge: float


class DeadAlert(msgspec.Struct):
    id: int
    kind: str
    recipient_authority_id: int
    recipient_authority: str
    alert_email: str | None
    attempts: int
    last_error: str | None
    created_at: datetime
    dead_at: datetime


class Resent(msgspec.Struct):
    id: int
    status: str


class DeadAlertFilter(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Which dead alerts to resend: all when both are left out."""

    authority: str | None = None  # the recipient authority's GSS code
    reason_contains: str | None = None  # words in the reason it failed, any case


class ResentMany(msgspec.Struct):
    resent: int
    status: str = "pending"


RECEIVED = """
SELECT a.id, a.created_at, a.sent_at, a.acknowledged_at, u.display_name AS acknowledged_by
FROM alert a LEFT JOIN app_user u ON u.id = a.acknowledged_by
WHERE a.recipient_authority_id = $1 AND a.status = 'sent'
  AND ($2::boolean IS FALSE OR a.acknowledged_at IS NULL)
  AND ($3::bigint IS NULL OR a.id < $3)
  AND ($5::bigint IS NULL OR a.id = $5)
ORDER BY a.id DESC
LIMIT $4
"""


async def received(
    conn: asyncpg.Connection,
    authority_id: int,
    *,
    unacknowledged: bool = False,
    before_id: int | None = None,
    limit: int = 100,
    only_id: int | None = None,
    base_url: str = "",
) -> list[ReceivedAlert]:
    """The alerts sent to an authority, newest first (the API and the alerts page)."""
    rows = await conn.fetch(RECEIVED, authority_id, unacknowledged, before_id, limit, only_id)
    views = {
        v.id: v for v in await load_views(conn, [r["id"] for r in rows], base_url, signed_in=True)
    }
    return [
        ReceivedAlert(
            id=r["id"],
            kind=views[r["id"]].kind,
            title=views[r["id"]].title,
            facts=[Fact(label, value) for label, value in views[r["id"]].facts],
            note=views[r["id"]].note,
            record_url=views[r["id"]].record_url,
            acknowledge_url=views[r["id"]].acknowledge_url,
            created_at=r["created_at"],
            sent_at=r["sent_at"],
            acknowledged_at=r["acknowledged_at"],
            acknowledged_by=r["acknowledged_by"],
        )
        for r in rows
        if r["id"] in views
    ]


def _principal(request: Request) -> auth.Principal:
    return request.scope["user"]


def _alert_id(alert_id: int) -> int:
    if not 1 <= alert_id <= MAX_ID:
        raise Problem(404, "Alert not found")
    return alert_id


@get("/api/v1/alerts", guards=[auth.officer], tags=["alerts"])
async def received_alerts(
    request: Request,
    conn: Conn,
    unacknowledged: Annotated[
        bool, QueryParameter(description="Only alerts not yet acknowledged")
    ] = False,
    before_id: Annotated[
        int | None,
        QueryParameter(ge=1, le=MAX_ID, description="Page on: alerts older than this id"),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> list[ReceivedAlert]:
    """The alerts sent to your authority, newest first."""
    me = _principal(request)
    return await received(
        conn,
        me.authority_id,
        unacknowledged=unacknowledged,
        before_id=before_id,
        limit=limit,
        base_url=request.app.state.settings.base_url.rstrip("/"),
    )


@post(
    "/api/v1/alerts/{alert_id:int}/acknowledgement",
    guards=[auth.officer],
    status_code=200,
    tags=["alerts"],
)
async def acknowledge_alert(request: Request, conn: Conn, alert_id: AlertId) -> AcknowledgementOut:
    """Record that your authority has seen an alert sent to it. The first acknowledgement
    counts; acknowledging again returns it unchanged."""
    return await acknowledge(conn, _principal(request), alert_id)


async def acknowledge(
    conn: asyncpg.Connection, me: auth.Principal, alert_id: int
) -> AcknowledgementOut:
    """Acknowledge one alert for the officer's authority (the API and the alerts page)."""
    async with acting(conn, Actor(me.user_id, me.authority_id)):
        try:
            done = await outbox.acknowledge(conn, _alert_id(alert_id), me.authority_id, me.user_id)
        except outbox.NotYetSent:
            raise Problem(
                409, "Alert not sent yet", "An alert can be acknowledged once it has been sent."
            ) from None
    if done is None:
        raise Problem(404, "Alert not found")
    return AcknowledgementOut(
        done.id, done.acknowledged_at, done.acknowledged_by, done.seconds_to_acknowledge
    )


DEAD = """
SELECT a.id, a.kind, a.recipient_authority_id, au.name AS recipient_authority,
       au.alert_email::text AS alert_email, a.attempts, a.last_error, a.created_at, a.dead_at
FROM alert a JOIN authority au ON au.id = a.recipient_authority_id
WHERE a.status = 'dead'
ORDER BY a.dead_at DESC, a.id DESC
LIMIT $1
"""


@get("/api/v1/admin/dead-alerts", guards=[auth.admin], tags=["alerts"])
async def dead_alerts(
    conn: Conn,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
) -> list[DeadAlert]:
    """Alerts that could not be delivered, with the reason: fix the cause, then resend."""
    return [DeadAlert(**dict(r)) for r in await conn.fetch(DEAD, limit)]


RESEND_AUDIT = """
INSERT INTO audit_log (user_id, action, subject, detail)
VALUES ($1, 'alert_resent', 'alert:' || $2::bigint, '{}')
"""


@post(
    "/api/v1/admin/alerts/{alert_id:int}/resend",
    guards=[auth.admin],
    status_code=202,
    tags=["alerts"],
)
async def resend_alert(request: Request, conn: Conn, alert_id: AlertId) -> Resent:
    """Put a dead alert back in the queue, with a fresh set of attempts."""
    return await resend(conn, _principal(request), alert_id)


async def resend(conn: asyncpg.Connection, me: auth.Principal, alert_id: int) -> Resent:
    """Requeue a dead alert, audited (the API and the dead alerts page)."""
    alert_id = _alert_id(alert_id)
    async with acting(conn, Actor(me.user_id, me.authority_id)):
        if not await outbox.resend(conn, alert_id, me.user_id):
            status = await conn.fetchval("SELECT status FROM alert WHERE id = $1", alert_id)
            if status is None:
                raise Problem(404, "Alert not found")
            raise Problem(
                409, "Alert is not dead", f"Only a dead alert can be resent; this one is {status}."
            )
        await conn.execute(RESEND_AUDIT, me.user_id, alert_id)
    return Resent(alert_id, "pending")


@post("/api/v1/admin/dead-alerts/resend", guards=[auth.admin], status_code=202, tags=["alerts"])
async def resend_dead_alerts(
    request: Request, conn: Conn, data: JSONBody[DeadAlertFilter]
) -> ResentMany:
    """Put every dead alert the filter matches back in the queue (after a mail outage, or
    once an authority's mailbox is fixed), each with a fresh set of attempts; audited."""
    authority_id, reason = await dead_filter(conn, data.authority, data.reason_contains)
    me = _principal(request)
    count = await outbox.resend_dead(
        conn, Actor(me.user_id, me.authority_id), authority_id=authority_id, reason=reason
    )
    return ResentMany(count)


async def dead_filter(
    conn: asyncpg.Connection, authority: str | None, reason: str | None
) -> tuple[int | None, str | None]:
    """(authority id, reason words) from what was typed; an unknown authority is named."""
    authority_id = None
    if authority and authority.strip():
        authority_id = await conn.fetchval(
            "SELECT id FROM authority WHERE code = upper($1)", authority.strip()
        )
        if authority_id is None:
            raise InvalidFields([FieldError("authority", "No authority has this code")])
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > 200:
        raise InvalidFields([FieldError("reason_contains", "Use 200 characters or fewer")])
    return authority_id, reason


@get("/api/v1/demo-mailbox", guards=[auth.admin], tags=["alerts"])
async def demo_mailbox_messages(
    conn: Conn,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> list[MailboxMessage]:
    """The demo's local mailbox: the alert emails it received, newest first."""
    return await list_messages(conn, limit)


ROUTES = [
    received_alerts,
    acknowledge_alert,
    dead_alerts,
    resend_alert,
    resend_dead_alerts,
    demo_mailbox_messages,
]
