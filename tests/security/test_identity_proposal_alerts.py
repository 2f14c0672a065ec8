"""When another authority proposes a change to a driver's identity, every owning authority
(a current or suspended licence, or a register entry) is told by email, through the alert
outbox, with a link to decide it. The email names the proposing authority and the fields, never
the driver or the values proposed (unless the authority chose an identity line)."""

from __future__ import annotations

from tests.alerts_support import send_all_due, set_alert_email
from tests.factories import make_driver, make_entry, make_licence, make_user


async def test_owners_are_emailed_when_a_change_is_proposed_naming_no_one(api_client, conn, db_url):
    driver = await make_driver(conn, forenames="Joanne", surname="Platt", recorded_by="Leeds")
    await make_licence(conn, driver, authority="Rotherham")
    await make_entry(conn, driver, authority="Barnsley")
    rotherham = await set_alert_email(conn, "Rotherham")
    barnsley = await set_alert_email(conn, "Barnsley")
    sheffield = await set_alert_email(conn, "Sheffield")
    leeds = await set_alert_email(conn, "Leeds")
    officer = await make_user(conn, authority="Sheffield")

    made = await api_client.post(
        f"/api/v1/drivers/{driver.public}/identity-proposals",
        json={"surname": "Okafor", "reason": "Married in March"},
        headers=officer["headers"],
    )
    assert made.status_code == 201, made.text
    proposal = made.json()["id"]

    inbox = await send_all_due(db_url)

    # the owners, and only they (not the proposer, not the authority that first recorded her)
    assert inbox.to(sheffield) == [] and inbox.to(leeds) == []
    for address in (rotherham, barnsley):
        [email] = inbox.to(address)
        assert "Sheffield" in email.text
        assert "surname" in email.text
        assert f"/identity-proposals/{proposal}" in email.text
        for body in (email.text, email.html, str(email.message["Subject"])):
            assert "Platt" not in body and "Okafor" not in body and "Married" not in body
    kinds = await conn.fetch(
        "SELECT kind, status FROM alert WHERE proposal_id = $1 ORDER BY recipient_authority_id",
        proposal,
    )
    assert [(r["kind"], r["status"]) for r in kinds] == [("identity_proposed", "sent")] * 2
