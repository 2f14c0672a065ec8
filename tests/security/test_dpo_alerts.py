"""Attack story: an officer reads records in bulk, or opens records no search of theirs
returned. Their authority's data protection officer is told by email (through the alert outbox,
to the DPO's own address, naming no one) and sees the event on the audit page under "Flagged".

"Recent" is the last 24 hours. A record the officer's authority has its own reason to know (it
recorded, licenses or houses the driver, entered a decision, sent or received a concern or an
information request about them, received an alert about them or has a possible duplicate of
them) is never flagged: work lists, alerts and duplicates carry their own reason.
"""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.alerts_support import send_all_due, set_alert_email
from tests.factories import make_driver, make_licence, make_user, room_in_the_window
from tests.pages.conftest import make_account, sign_in

PURPOSE = {"purpose": "enforcement", "case_reference": "ENF-1"}
DPO_ADDRESS = "dpo@bolton.gov.uk"


@pytest.fixture
async def client(db_url):
    settings = {
        "DATABASE_URL": db_url,
        "CROSSCHECK_SCHEDULER": "false",
        "CROSSCHECK_SECURE_COOKIES": "false",
        "RECORD_OPENS_PER_HOUR": "5",
        "RECORD_OPENS_ALERT_AT": "3",
    }
    async with AsyncTestClient(app=create_app(load(settings))) as client:
        yield client


async def test_bulk_reading_and_unsearched_opens_reach_the_dpo_by_email_naming_no_one(
    client, conn, db_url
):
    admin = await make_user(conn, role="admin")
    officer = await make_user(conn, authority="Bolton", name="Olive Officer")
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    licensing_team = await set_alert_email(conn, "Bolton")
    saved = await client.patch(
        "/api/v1/authorities/E08000001",
        json={"dpo_email": DPO_ADDRESS},
        headers=admin["headers"],
    )
    drivers = [await make_driver(conn, surname=f"Walker{i}", recorded_by="Leeds") for i in range(4)]
    await conn.execute("UPDATE driver SET ni_number = 'AB123456C' WHERE id = $1", drivers[0])
    await room_in_the_window(conn, 3600, room=60)  # every open counts in the same hour
    searched = await client.post(
        "/api/v1/searches",
        json={**PURPOSE, "identifier": "AB123456C"},
        headers=officer["headers"],
    )
    opened = [
        await client.get(f"/api/v1/drivers/{d.public}", params=PURPOSE, headers=officer["headers"])
        for d in drivers
    ]
    flagged = (
        await client.get("/api/v1/audit", params={"action": "flagged"}, headers=dpo["headers"])
    ).json()["items"]
    inbox = await send_all_due(db_url)

    assert saved.status_code == 200 and saved.json()["dpo_email"] == DPO_ADDRESS
    assert searched.status_code == 200 and len(searched.json()["results"]) == 1
    assert [o.status_code for o in opened] == [200] * 4
    # newest first: three records opened that no search returned, and the alert level (3)
    assert [(e["action"], e["user_id"]) for e in flagged] == [
        ("unexplained_open", officer["id"]),
        ("unexplained_open", officer["id"]),
        ("bulk_access", officer["id"]),
        ("unexplained_open", officer["id"]),
    ]
    assert {e["driver_id"] for e in flagged if e["action"] == "unexplained_open"} == {
        d.public for d in drivers[1:]
    }
    to_dpo = inbox.to(DPO_ADDRESS)
    assert len(to_dpo) == 1 and inbox.to(licensing_team) == []
    email = to_dpo[0]
    assert sorted(email.alert_ids) == sorted(
        await conn.fetchval(
            "SELECT array_agg(id) FROM alert WHERE kind = 'access_flagged' AND status = 'sent'"
        )
    )
    assert len(email.alert_ids) == 4
    for body in (email.text, email.html, str(email.message["Subject"])):
        assert "Walker" not in body and "Olive" not in body  # no driver, no officer named
    assert f"U{officer['id']}" in email.text
    assert "/audit?flagged=yes" in email.text
    officers_alerts = await client.get("/api/v1/alerts", headers=officer["headers"])
    assert officers_alerts.json()["items"] == []  # officers never see their DPO's alerts


async def test_a_record_the_authority_has_reason_to_know_is_not_flagged(client, conn):
    officer = await make_user(conn, authority="Bolton")
    ours = await make_driver(conn, surname="Ours", recorded_by="Leeds")
    await make_licence(conn, ours, authority="Bolton")
    recorded = await make_driver(conn, surname="Recorded", recorded_by="Bolton")

    for driver in (ours, recorded):
        opened = await client.get(
            f"/api/v1/drivers/{driver.public}", params=PURPOSE, headers=officer["headers"]
        )
        assert opened.status_code == 200

    assert (
        await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'unexplained_open'") == 0
    )
    assert await conn.fetchval("SELECT count(*) FROM alert") == 0


async def test_the_dpo_sees_flagged_events_on_the_audit_page(client, conn):
    officer = await make_user(conn, authority="Bolton")
    dpo = await make_account(conn, role="dpo", authority="Bolton")
    stranger = await make_driver(conn, surname="Stranger", recorded_by="Leeds")
    await client.get(
        f"/api/v1/drivers/{stranger.public}", params=PURPOSE, headers=officer["headers"]
    )

    client.follow_redirects = False
    await sign_in(client, dpo)
    page = await client.get("/audit", params={"flagged": "yes"})
    everything = await client.get("/audit")

    assert page.status_code == 200
    assert "Unexplained open" in page.text and f"user:{officer['id']}" in page.text
    assert page.text.count("govuk-table__row") == 2  # the header and the one flagged row
    assert everything.text.count("govuk-table__row") > 2  # the record opened is there too
