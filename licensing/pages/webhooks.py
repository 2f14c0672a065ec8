"""Webhooks for an authority's officers: its subscriptions (resume a paused one) and the
deliveries that died (resend them once the receiver is fixed). Subscribing and rotating
secrets is done through the API (docs/integration.md); the work is registry.webhooks'."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath

from licensing.auth import actor_of, officer
from licensing.pages.forms import read_form
from licensing.pages.render import Conn, page, redirect
from registry import webhooks

BANNERS = {
    "resumed": "The subscription is active again: deliveries that waited are being sent.",
    "resent": "The delivery is back in the queue and will be sent again shortly.",
}


@get("/webhooks", guards=[officer])
async def webhooks_page(request: Request, conn: Conn) -> Response:
    """Your authority's webhook subscriptions, and its 100 latest dead deliveries."""
    actor = actor_of(request)
    subscriptions, _ = await webhooks.listed(conn, actor, None, 100)
    dead, _ = await webhooks.deliveries(conn, actor, status="dead", limit=100)
    return page(
        "webhooks.html",
        request,
        title="Webhooks",
        subscriptions=subscriptions,
        dead=dead,
        banner=BANNERS.get(request.query_params.get("done", "")),
    )


@post("/webhooks/{subscription_id:int}/resume", guards=[officer])
async def resume(request: Request, conn: Conn, subscription_id: FromPath[int]) -> Response:
    await read_form(request)
    await webhooks.resume(conn, actor_of(request), subscription_id)
    return redirect("/webhooks?done=resumed")


@post("/webhooks/deliveries/{delivery_id:str}/resend", guards=[officer])
async def resend(request: Request, conn: Conn, delivery_id: FromPath[str]) -> Response:
    await read_form(request)
    await webhooks.resend(conn, actor_of(request), delivery_id[:30])
    return redirect("/webhooks?done=resent")
