"""Alerts in the API: an authority's received alerts and their acknowledgement, dead alerts
for administrators, and the demo mailbox. The work is alerts.inbox's and alerts.dead's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from alerts import dead, inbox, outbox
from alerts.dead import DeadAlert
from alerts.inbox import ReceivedAlert
from alerts.mailbox import MailboxMessage, list_messages
from licensing import auth
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, page_of
from licensing.auth import actor_of
from registry.actor import audit_view
from registry.paging import decode, last_id

MAX_ID = 2**63 - 1
Conn = NamedDependency[asyncpg.Connection]
AlertId = Annotated[int, PathParameter(description="The alert's id")]


class AcknowledgementOut(msgspec.Struct):
    id: int
    acknowledged_at: datetime
    acknowledged_by: int
    seconds_to_acknowledge: float


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


@get("/api/v1/alerts", guards=[auth.officer], tags=["alerts"])
async def received_alerts(
    request: Request[Any, Any, Any],
    conn: Conn,
    unacknowledged: Annotated[
        bool, QueryParameter(description="Only alerts not yet acknowledged")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[ReceivedAlert]:
    """The alerts sent to your authority, newest first."""
    rows = await inbox.received(
        conn,
        request.user.authority_id,
        unacknowledged=unacknowledged,
        before_id=last_id(cursor),
        limit=limit + 1,
        base_url=request.app.state.settings.base_url.rstrip("/"),
    )
    await audit_view(conn, actor_of(request), "alerts", detail={"count": min(len(rows), limit)})
    return page_of(request, rows, limit)


@post(
    "/api/v1/alerts/{alert_id:int}/acknowledgement",
    guards=[auth.officer],
    status_code=200,
    tags=["alerts"],
)
async def acknowledge_alert(
    request: Request[Any, Any, Any], conn: Conn, alert_id: AlertId
) -> AcknowledgementOut:
    """Record that your authority has seen an alert sent to it. The first acknowledgement
    counts; acknowledging again returns it unchanged."""
    done = await inbox.acknowledge(conn, actor_of(request), alert_id)
    return AcknowledgementOut(
        done.id, done.acknowledged_at, done.acknowledged_by, done.seconds_to_acknowledge
    )


@get("/api/v1/admin/dead-alerts", guards=[auth.admin], tags=["alerts"])
async def dead_alerts(
    request: Request[Any, Any, Any], conn: Conn, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[DeadAlert]:
    """Alerts that could not be delivered, newest first, with the reason: fix the cause,
    then resend."""
    after = decode(cursor, (datetime, int))
    rows = await dead.newest(conn, limit + 1, after)
    return page_of(request, rows, limit, lambda d: (d.dead_at, d.id))


@post(
    "/api/v1/admin/alerts/{alert_id:int}/resend",
    guards=[auth.admin],
    status_code=202,
    tags=["alerts"],
)
async def resend_alert(request: Request[Any, Any, Any], conn: Conn, alert_id: AlertId) -> Resent:
    """Put a dead alert back in the queue, with a fresh set of attempts."""
    await dead.resend(conn, actor_of(request), alert_id)
    return Resent(alert_id, "pending")


@post("/api/v1/admin/dead-alerts/resend", guards=[auth.admin], status_code=202, tags=["alerts"])
async def resend_dead_alerts(
    request: Request[Any, Any, Any], conn: Conn, data: JSONBody[DeadAlertFilter]
) -> ResentMany:
    """Put every dead alert the filter matches back in the queue (after a mail outage, or
    once an authority's mailbox is fixed), each with a fresh set of attempts; audited."""
    authority_id, reason = await dead.dead_filter(conn, data.authority, data.reason_contains)
    count = await outbox.resend_dead(
        conn, actor_of(request), authority_id=authority_id, reason=reason
    )
    return ResentMany(count)


@get("/api/v1/demo-mailbox", guards=[auth.admin], tags=["alerts"])
async def demo_mailbox_messages(
    request: Request[Any, Any, Any], conn: Conn, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[MailboxMessage]:
    """The demo's local mailbox: the alert emails it received, newest first."""
    return page_of(request, await list_messages(conn, limit + 1, last_id(cursor)), limit)


ROUTES = [
    received_alerts,
    acknowledge_alert,
    dead_alerts,
    resend_alert,
    resend_dead_alerts,
    demo_mailbox_messages,
]
