"""An authority's officers see its webhook subscriptions and dead deliveries on a page,
resume a paused subscription and resend a dead delivery; another authority sees neither."""

from __future__ import annotations

from registry import webhooks
from registry.actor import Actor
from tests.pages.conftest import make_account, post_form, sign_in

PAUSE = """
UPDATE webhook_subscription SET status = 'paused', paused_reason = 'Paused after 50 failed
deliveries in a row; fix the receiver, then resume', failures = 50 WHERE id = $1
"""
DEAD = """
INSERT INTO webhook_delivery (subscription_id, event_id, event_type, payload, status, attempts,
                              last_error, dead_at)
VALUES ($1, 1, 'licence_granted', '{}', 'dead', 12, 'the receiver answered 503', now())
RETURNING id
"""


async def test_an_officer_resumes_a_paused_subscription_and_resends_a_dead_delivery(client, conn):
    officer = await make_account(conn, authority="Sheffield")
    made = await webhooks.subscribe(
        conn,
        Actor(officer["id"], officer["authority_id"]),
        webhooks.NewSubscription("http://127.0.0.1:9/hooks", ["licence_granted"]),
        allow_loopback=True,
    )
    sub_id = made.subscription.id
    await conn.execute(PAUSE, sub_id)
    delivery = webhooks.message_id(await conn.fetchval(DEAD, sub_id))
    await sign_in(client, officer)

    listing = await client.get("/webhooks")
    resumed = await post_form(client, f"/webhooks/{sub_id}/resume", {}, from_path="/webhooks")
    resent = await post_form(
        client, f"/webhooks/deliveries/{delivery}/resend", {}, from_path="/webhooks"
    )

    assert "http://127.0.0.1:9/hooks" in listing.text and "Paused" in listing.text
    assert "the receiver answered 503" in listing.text and delivery in listing.text
    assert resumed.headers["location"] == "/webhooks?done=resumed"
    assert resent.headers["location"] == "/webhooks?done=resent"
    assert await conn.fetchval("SELECT status FROM webhook_subscription") == "active"
    assert await conn.fetchval("SELECT status FROM webhook_delivery") == "pending"


async def test_another_authority_sees_none_of_it(client, conn):
    officer = await make_account(conn, authority="Sheffield")
    made = await webhooks.subscribe(
        conn,
        Actor(officer["id"], officer["authority_id"]),
        webhooks.NewSubscription("http://127.0.0.1:9/other", ["licence_granted"]),
        allow_loopback=True,
    )
    await conn.execute(PAUSE, made.subscription.id)
    leeds = await make_account(conn, authority="Leeds")
    await sign_in(client, leeds)

    listing = await client.get("/webhooks")
    resume = await post_form(
        client, f"/webhooks/{made.subscription.id}/resume", {}, from_path="/webhooks"
    )

    assert "127.0.0.1:9/other" not in listing.text
    assert resume.status_code == 404
    assert await conn.fetchval("SELECT status FROM webhook_subscription") == "paused"
