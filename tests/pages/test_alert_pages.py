"""Alerts through the pages: the inbox, acknowledging, and resending dead alerts."""

from __future__ import annotations

from tests.alerts_support import set_alert_email
from tests.pages.conftest import make_account, post_form, sign_in
from tests.test_alerts_api import an_alert_for_bolton
from tests.test_alerts_processes import alerts_for_many_authorities


async def test_the_home_authority_sees_the_alert_and_acknowledges_it(client, conn, db_url):
    alert_id = await an_alert_for_bolton(conn, db_url)
    bolton = await make_account(conn, authority="Bolton", name="Bo Officer")
    await sign_in(client, bolton)
    inbox = await client.get("/alerts")
    assert (
        "Wolverhampton" in inbox.text and f'action="/alerts/{alert_id}/acknowledge"' in inbox.text
    )
    # the email's link leads to a page that asks for the acknowledgement
    confirm = await client.get(f"/alerts/{alert_id}/acknowledge")
    assert confirm.status_code == 200 and "Acknowledge alert" in confirm.text
    done = await post_form(
        client, f"/alerts/{alert_id}/acknowledge", {}, from_path=f"/alerts/{alert_id}/acknowledge"
    )
    assert done.headers["location"] == "/alerts?done=acknowledged"
    assert (
        await conn.fetchval("SELECT acknowledged_by FROM alert WHERE id = $1", alert_id)
        == bolton["id"]
    )
    assert "no alerts waiting" in (await client.get("/alerts")).text
    assert "Acknowledged" in (await client.get("/alerts?show=all")).text


async def test_another_authority_cannot_see_or_acknowledge_the_alert(client, conn, db_url):
    alert_id = await an_alert_for_bolton(conn, db_url)
    leeds = await make_account(conn, authority="Leeds")
    await sign_in(client, leeds)
    assert (await client.get(f"/alerts/{alert_id}/acknowledge")).status_code == 404
    response = await post_form(client, f"/alerts/{alert_id}/acknowledge", {}, from_path="/alerts")
    assert response.status_code == 404
    assert await conn.fetchval("SELECT acknowledged_at FROM alert") is None


async def test_an_administrator_resends_a_dead_alert_once_the_mailbox_is_fixed(
    client, conn, db_url
):
    alert_id = await an_alert_for_bolton(conn, db_url, deliverable=False)
    assert await conn.fetchval("SELECT status FROM alert WHERE id = $1", alert_id) == "dead"
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    listing = await client.get("/admin/dead-alerts")
    assert "Bolton" in listing.text and "No mailbox set" in listing.text
    await set_alert_email(conn, "Bolton")
    done = await post_form(
        client, f"/admin/dead-alerts/{alert_id}/resend", {}, from_path="/admin/dead-alerts"
    )
    assert done.headers["location"] == "/admin/dead-alerts?done=resent"
    assert await conn.fetchval("SELECT status FROM alert WHERE id = $1", alert_id) == "pending"
    again = await post_form(
        client, f"/admin/dead-alerts/{alert_id}/resend", {}, from_path="/admin/dead-alerts"
    )
    assert again.status_code == 409 and "Alert is not dead" in again.text


async def test_the_demo_mailbox_is_only_there_in_the_demo(client, conn):
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    assert (await client.get("/demo/mailbox")).status_code == 404


async def test_an_administrator_sees_how_many_alerts_are_dead_and_resends_them_all(client, conn):
    await alerts_for_many_authorities(conn, 5)
    await conn.execute(
        "UPDATE alert SET status = 'dead', dead_at = now(), last_error = 'the mail server was down'"
    )
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    listing = await client.get("/admin/dead-alerts")
    assert "<strong>5</strong> alerts could not be delivered" in listing.text
    one = await conn.fetchval("SELECT min(recipient_authority_id) FROM alert")
    filtered = await client.get(f"/admin/dead-alerts?authority={one}")
    assert "<strong>1</strong> alert could not be delivered" in filtered.text
    done = await post_form(
        client, "/admin/dead-alerts/resend", {"authority": ""}, from_path="/admin/dead-alerts"
    )
    assert done.headers["location"] == "/admin/dead-alerts?done=resent-all&count=5"
    assert await conn.fetchval("SELECT count(*) FROM alert WHERE status = 'pending'") == 5
    assert "5 alerts are back in the queue" in (await client.get(done.headers["location"])).text
