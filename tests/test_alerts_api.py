"""Alerts through the API, and the scheduler and demo mailbox running inside the service."""

from __future__ import annotations

import aiosmtplib
import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from alerts.mailbox import demo_mailbox
from alerts.rules import queue_all_new_alerts
from licensing.app import create_app
from licensing.settings import load
from tests.alerts_support import (
    free_port,
    send_all_due,
    set_alert_email,
    statuses,
    wait_until,
    worker_env,
)
from tests.factories import make_driver, make_licence, make_user, service_client
from tests.test_alerts_processes import alerts_for_many_authorities


@pytest.fixture
async def client(db_url):
    async with service_client(db_url, CROSSCHECK_BASE_URL="https://crosscheck.test") as client:
        yield client


async def an_alert_for_bolton(conn, db_url, *, deliverable: bool = True) -> int:
    driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
    await make_licence(conn, driver, authority="Wolverhampton")
    if deliverable:
        await set_alert_email(conn, "Bolton")
    await queue_all_new_alerts(conn)
    await send_all_due(db_url)
    return await conn.fetchval("SELECT id FROM alert")


async def test_an_officer_sees_their_alerts_and_acknowledges_one(client, conn, db_url):
    alert_id = await an_alert_for_bolton(conn, db_url)
    bolton = await make_user(conn, authority="Bolton", name="Bo Officer")
    leeds = await make_user(conn, authority="Leeds")

    page = (await client.get("/api/v1/alerts", headers=bolton["headers"])).json()
    listed = page["items"]
    assert page["next"] is None
    assert [a["id"] for a in listed] == [alert_id]
    assert listed[0]["kind"] == "out_of_area_licence"
    assert {"label": "Licensing authority", "value": "Wolverhampton"} in listed[0]["facts"]
    assert listed[0]["acknowledge_url"] == f"https://crosscheck.test/alerts/{alert_id}/acknowledge"
    assert (await client.get("/api/v1/alerts", headers=leeds["headers"])).json()["items"] == []

    path = f"/api/v1/alerts/{alert_id}/acknowledgement"
    assert (await client.post(path, headers=leeds["headers"])).status_code == 404
    first = await client.post(path, headers=bolton["headers"])
    assert first.status_code == 200
    body = first.json()
    assert body["acknowledged_by"] == bolton["id"] and body["seconds_to_acknowledge"] >= 0
    again = await client.post(path, headers=bolton["headers"])
    assert again.json() == body  # the first acknowledgement counts

    row = await conn.fetchrow(
        "SELECT acknowledged_by, time_to_acknowledge FROM alert WHERE id = $1", alert_id
    )
    assert (
        row["acknowledged_by"] == bolton["id"] and row["time_to_acknowledge"].total_seconds() >= 0
    )
    listed = (
        await client.get("/api/v1/alerts?unacknowledged=true", headers=bolton["headers"])
    ).json()
    assert listed == {"items": [], "next": None}


async def test_acknowledging_needs_a_sent_alert_of_your_own_authority(client, conn, db_url):
    alert_id = await an_alert_for_bolton(conn, db_url, deliverable=False)  # dead: no address
    bolton = await make_user(conn, authority="Bolton")
    admin = await make_user(conn, role="admin")
    path = f"/api/v1/alerts/{alert_id}/acknowledgement"
    response = await client.post(path, headers=bolton["headers"])
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.post(path, headers=admin["headers"])).status_code == 403
    assert (await client.post(path)).status_code == 401
    assert (
        await client.post(
            "/api/v1/alerts/99999999999999999999/acknowledgement", headers=bolton["headers"]
        )
    ).status_code in (400, 404)


async def test_an_admin_sees_dead_alerts_with_the_reason_and_resends_one(client, conn, db_url):
    alert_id = await an_alert_for_bolton(conn, db_url, deliverable=False)
    admin = await make_user(conn, role="admin")
    officer = await make_user(conn, authority="Bolton")
    assert (
        await client.get("/api/v1/admin/dead-alerts", headers=officer["headers"])
    ).status_code == 403

    listed = await client.get("/api/v1/admin/dead-alerts", headers=admin["headers"])
    [dead] = listed.json()["items"]
    assert dead["id"] == alert_id and dead["recipient_authority"] == "Bolton"
    assert dead["last_error"] == "Bolton has no alert email address: set one, then resend"
    assert "Walker" not in str(dead)  # no personal data on the admin's list

    resend = f"/api/v1/admin/alerts/{alert_id}/resend"
    response = await client.post(resend, headers=admin["headers"])
    assert response.status_code == 202 and response.json() == {"id": alert_id, "status": "pending"}
    assert (await client.post(resend, headers=admin["headers"])).status_code == 409
    assert (
        await client.post("/api/v1/admin/alerts/424242/resend", headers=admin["headers"])
    ).status_code == 404
    assert await statuses(conn) == {"pending": 1}
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'alert_resent'") == 1


async def test_the_service_runs_the_schedule_and_its_demo_mailbox_shows_the_email(db_url, conn):
    port = free_port()
    env = worker_env(db_url, port, CROSSCHECK_SCHEDULER="true", CROSSCHECK_DEMO_MAILBOX="true")
    app = create_app(load(env))
    admin = await make_user(conn, role="admin")
    await set_alert_email(conn, "Bolton")
    async with AsyncTestClient(app=app) as client:
        driver = await make_driver(conn, recorded_by="Wolverhampton", home="Bolton")
        await make_licence(conn, driver, authority="Wolverhampton")

        async def delivered():
            response = await client.get("/api/v1/demo-mailbox", headers=admin["headers"])
            return response.json()["items"]

        [message] = await wait_until(delivered)
    assert message["to"] == ["licensing@bolton.gov.uk"]
    assert message["subject"] == (
        "For information: Licence granted to a resident of your area by Wolverhampton "
        "(Crosscheck, Bolton)"
    )
    assert "Licence granted" in message["text"] and "Licence granted" in message["html"]
    assert "Stephen Walker" not in message["text"] + message["html"]
    assert await statuses(conn) == {"sent": 1}


async def test_the_demo_mailbox_asks_the_sender_to_try_again_when_it_cannot_store_a_message(
    db_url,
):
    """The demo's database went away while its mailbox still listened: the mailbox answers a
    temporary 451, so the alert is tried again later, not a permanent 500 that makes it dead."""
    pool = await asyncpg.create_pool(db_url, min_size=1, max_size=1)
    await pool.close()
    port = free_port()
    async with demo_mailbox(pool, "127.0.0.1", port) as server:
        assert server is not None
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(
                "Subject: An alert\r\n\r\nA body.\r\n",
                sender="alerts@crosscheck.example",
                recipients=["licensing@bolton.gov.uk"],
                hostname="127.0.0.1",
                port=port,
            )
    assert refused.value.code == 451


async def test_an_admin_resends_every_dead_alert_a_filter_matches_at_once(client, conn):
    await alerts_for_many_authorities(conn, 6)
    await conn.execute(
        "UPDATE alert SET status = 'dead', dead_at = now(), last_error = CASE WHEN id % 2 = 0"
        " THEN 'could not reach the mail server at 10.0.0.1:25: Connection refused'"
        " ELSE 'the mail server refused the address x@y: 550 no such user' END"
    )
    outage = {r["id"] for r in await conn.fetch("SELECT id FROM alert WHERE id % 2 = 0")}
    admin = await make_user(conn, role="admin")
    officer = await make_user(conn, authority="Bolton")
    resend = "/api/v1/admin/dead-alerts/resend"
    assert (await client.post(resend, json={}, headers=officer["headers"])).status_code == 403
    unknown = await client.post(resend, json={"authority": "E99999999"}, headers=admin["headers"])
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "authority"

    after_outage = await client.post(
        resend, json={"reason_contains": "COULD NOT REACH"}, headers=admin["headers"]
    )
    assert after_outage.status_code == 202
    assert after_outage.json() == {"resent": len(outage), "status": "pending"}
    pending = {r["id"] for r in await conn.fetch("SELECT id FROM alert WHERE status = 'pending'")}
    assert pending == outage  # the refused addresses stay dead until fixed
    audited = await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'alert_resent'")
    assert audited == len(outage)
    rest = await client.post(resend, json={}, headers=admin["headers"])
    assert rest.json()["resent"] == 6 - len(outage)
    assert await conn.fetchval("SELECT count(*) FROM alert WHERE status = 'dead'") == 0
