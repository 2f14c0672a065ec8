"""A back-office system that sends a wrong query parameter is told which one, the way a wrong
body field is told: 422 problem+json naming the parameter as it was sent (`state`, `from`),
never litestar's 400 and never the handler's own name for it."""

import pytest

from tests.factories import make_user


@pytest.fixture
def client(api_client):
    return api_client


def named(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [error["field"] for error in response.json()["errors"]]


async def test_a_dft_analyst_asking_for_a_quarter_that_does_not_exist_is_told_which(client, conn):
    analyst = (await make_user(conn, role="dft_analyst", authority=None))["headers"]
    summary = "/api/v1/compliance/summary"

    fifth = await client.get(summary, params={"quarter": "2026-Q5"}, headers=analyst)
    year = await client.get(summary, params={"financial_year": "2025"}, headers=analyst)
    both = await client.get(
        summary + ".csv", params={"quarter": "Q2", "suppress": "maybe"}, headers=analyst
    )
    sheffield = await client.get(
        "/api/v1/compliance/authorities/E08000019",
        params={"financial_year": "twenty-five"},
        headers=analyst,
    )

    assert named(fifth) == ["quarter"]
    assert named(year) == ["financial_year"]
    assert sorted(named(both)) == ["quarter", "suppress"]
    assert named(sheffield) == ["financial_year"]


async def test_an_officer_listing_with_a_filter_that_does_not_exist_is_told_which(client, conn):
    officer = (await make_user(conn, authority="Rotherham"))["headers"]

    licences = await client.get(
        "/api/v1/licences", params={"status": "lapsed", "limit": 0}, headers=officer
    )
    concerns = await client.get("/api/v1/concerns", params={"state": "closed"}, headers=officer)
    requests = await client.get(
        "/api/v1/information-requests", params={"due_before": "soon"}, headers=officer
    )
    pairs = await client.get(
        "/api/v1/possible-duplicates", params={"driver_id": "42"}, headers=officer
    )

    assert sorted(named(licences)) == ["limit", "status"]
    assert named(concerns) == ["state"]
    assert named(requests) == ["due_before"]
    assert named(pairs) == ["driver_id"]


async def test_a_dpo_filtering_the_audit_log_by_a_day_that_is_not_a_date_is_told_which(
    client, conn
):
    dpo = (await make_user(conn, role="dpo", authority="Rotherham"))["headers"]

    log = await client.get("/api/v1/audit", params={"from": "last week"}, headers=dpo)
    export = await client.get("/api/v1/audit.csv", params={"user": "0"}, headers=dpo)

    assert named(log) == ["from"]
    assert named(export) == ["user"]


async def test_webhooks_alerts_and_the_feed_name_a_wrong_parameter_too(client, conn):
    officer = (await make_user(conn, authority="Rotherham"))["headers"]

    deliveries = await client.get(
        "/api/v1/webhook-deliveries", params={"subscription": "first"}, headers=officer
    )
    alerts = await client.get(
        "/api/v1/alerts", params={"unacknowledged": "perhaps"}, headers=officer
    )
    feed = await client.get("/api/v1/events", params={"limit": "all"}, headers=officer)

    assert named(deliveries) == ["subscription"]
    assert named(alerts) == ["unacknowledged"]
    assert named(feed) == ["limit"]
