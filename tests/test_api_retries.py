"""A back-office system that retries a POST after a timeout, with the same Idempotency-Key,
gets the first answer again and nothing is made twice: on every POST the README lists, the
identity proposals included."""

from tests.factories import make_driver, make_licence, make_user


async def test_a_retried_identity_proposal_is_made_once(api_client, conn):
    officer = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Sheffield", forenames="Amir", surname="Khan")
    await make_licence(conn, driver, authority="Sheffield")
    headers = {**officer["headers"], "Idempotency-Key": "proposal-1"}
    body = {"surname": "Khan-Ali", "reason": "Married in 2025; seen on the DVLA check"}
    path = f"/api/v1/drivers/{driver.public}/identity-proposals"

    first = await api_client.post(path, headers=headers, json=body)
    again = await api_client.post(path, headers=headers, json=body)
    other = await api_client.post(path, headers=headers, json={**body, "surname": "Ali"})
    listed = await api_client.get(path, headers=officer["headers"])

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert other.status_code == 422
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    assert [p["id"] for p in listed.json()["items"]] == [first.json()["id"]]
