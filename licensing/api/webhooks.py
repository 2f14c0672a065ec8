"""Webhooks in the API: an authority's subscriptions, their secrets, and their deliveries.

The subscriptions belong to the caller's authority: its licensing officers (the accounts
back-office systems use) manage them, and see and resend its dead deliveries. A webhook sends
what the authority's change feed (GET /api/v1/events) shows, no more. The work is
registry.webhooks'.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter, QueryParameter

from licensing.api.common import Options, created
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, envelope
from licensing.auth import actor_of, officer
from registry import webhooks
from registry.webhooks import Delivery, NewSubscription, Subscription, WithSecret


class DeliveryResent(msgspec.Struct):
    id: str
    status: str = "pending"


Conn = NamedDependency[asyncpg.Connection]
SubscriptionId = Annotated[int, PathParameter(description="The subscription's id", ge=1)]
COMMON: Options = {"guards": [officer], "tags": ["webhooks"]}


def _allow_loopback(request: Request[Any, Any, Any]) -> bool:
    return bool(request.app.state.settings.webhooks_allow_loopback)


@post("/api/v1/webhooks", status_code=201, **COMMON)
async def subscribe(
    request: Request[Any, Any, Any], conn: Conn, data: JSONBody[NewSubscription]
) -> Response[WithSecret]:
    """Subscribe an https URL to kinds of register event (the `kind`s of GET /api/v1/events).
    Each event your authority's feed shows from now on is POSTed there, signed as Standard
    Webhooks says. The secret is shown once: keep it to verify the signatures. Location is
    where the subscription is read (without its secret)."""
    made = await webhooks.subscribe(
        conn, actor_of(request), data, allow_loopback=_allow_loopback(request)
    )
    return created(made, "webhook", made.subscription.id)


@get("/api/v1/webhooks", **COMMON)
async def list_subscriptions(
    request: Request[Any, Any, Any], conn: Conn, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> Page[Subscription]:
    """Your authority's webhook subscriptions, oldest first (secrets are never shown again)."""
    items, after = await webhooks.listed(conn, actor_of(request), cursor, limit)
    return envelope(request, items, after)


@get("/api/v1/webhooks/{subscription_id:int}", **COMMON)
async def read_subscription(
    request: Request[Any, Any, Any], conn: Conn, subscription_id: SubscriptionId
) -> Subscription:
    """One of your authority's subscriptions: its state, and why it is paused if it is."""
    return await webhooks.get(conn, actor_of(request), subscription_id)


@post("/api/v1/webhooks/{subscription_id:int}/secret-rotation", status_code=200, **COMMON)
async def rotate_secret(
    request: Request[Any, Any, Any], conn: Conn, subscription_id: SubscriptionId
) -> WithSecret:
    """A new signing secret, shown once. For the next 24 hours deliveries are signed with both
    the new and the previous secret, so a receiver can switch over without missing one."""
    return await webhooks.rotate_secret(conn, actor_of(request), subscription_id)


@post("/api/v1/webhooks/{subscription_id:int}/resumption", status_code=200, **COMMON)
async def resume_subscription(
    request: Request[Any, Any, Any], conn: Conn, subscription_id: SubscriptionId
) -> Subscription:
    """Resume a paused subscription: the deliveries that waited go out now."""
    return await webhooks.resume(conn, actor_of(request), subscription_id)


@delete("/api/v1/webhooks/{subscription_id:int}", status_code=204, **COMMON)
async def unsubscribe(
    request: Request[Any, Any, Any], conn: Conn, subscription_id: SubscriptionId
) -> None:
    """Delete a subscription and the deliveries not yet made."""
    await webhooks.unsubscribe(conn, actor_of(request), subscription_id)


@get("/api/v1/webhook-deliveries", **COMMON)
async def list_deliveries(
    request: Request[Any, Any, Any],
    conn: Conn,
    subscription: Annotated[
        int | None, QueryParameter(description="Only this subscription's", ge=1, le=2**63 - 1)
    ] = None,
    status: Annotated[
        Literal["pending", "sending", "delivered", "dead"] | None,
        QueryParameter(description="Only deliveries in this state (dead: given up)"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[Delivery]:
    """Your authority's webhook deliveries, newest first, with the reason the last attempt
    failed. A dead one can be resent once the receiver is fixed."""
    items, after = await webhooks.deliveries(
        conn,
        actor_of(request),
        subscription_id=subscription,
        status=status,
        after=cursor,
        limit=limit,
    )
    return envelope(request, items, after)


@post("/api/v1/webhook-deliveries/{delivery_id:str}/resend", status_code=202, **COMMON)
async def resend_delivery(
    request: Request[Any, Any, Any],
    conn: Conn,
    delivery_id: Annotated[
        str, PathParameter(description="The delivery's webhook-id (msg_...)", max_length=30)
    ],
) -> DeliveryResent:
    """Put a dead delivery back in the queue with a fresh set of attempts (same webhook-id)."""
    await webhooks.resend(conn, actor_of(request), delivery_id)
    return DeliveryResent(delivery_id)


ROUTES = [
    subscribe,
    list_subscriptions,
    read_subscription,
    rotate_secret,
    resume_subscription,
    unsubscribe,
    list_deliveries,
    resend_delivery,
]
