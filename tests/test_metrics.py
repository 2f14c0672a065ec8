"""What an operator watches: /metrics (Prometheus) shows requests, pools, the scheduler and
the alert outbox, whose oldest pending age rises through a mail outage and falls after it."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from licensing.app import create_app
from licensing.settings import load
from tests.alerts_support import free_port, smtp_server, wait_until
from tests.factories import make_user
from tests.test_alerts_processes import alerts_for_many_authorities

TOKEN = "metrics-scraper-secret"


def samples(text: str) -> dict[tuple, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def scrape(client) -> dict[tuple, float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def outbox_age(found: dict) -> float:
    return found[("crosscheck_alert_outbox_oldest_pending_seconds", ())]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
async def client(db_url, smtp_port):
    settings = load(
        {
            "DATABASE_URL": db_url,
            "METRICS_TOKEN": TOKEN,
            "SMTP_PORT": str(smtp_port),
            "ALERT_INTERVAL_SECONDS": "0.3",
            "ALERT_SWEEP_SECONDS": "0.5",
            "ALERT_RETRY_BASE_SECONDS": "0.2",
            "ALERT_RETRY_MAX_SECONDS": "0.5",
            "ALERT_MAX_ATTEMPTS": "1000",
            "SMTP_TIMEOUT_SECONDS": "2",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def test_the_outbox_age_rises_through_a_mail_outage_and_falls_after_it(
    client, conn, smtp_port
):
    await alerts_for_many_authorities(conn, 5)  # queued; the mail server is down
    await asyncio.sleep(1)
    during = outbox_age(await scrape(client))
    await asyncio.sleep(1.5)
    later = await scrape(client)
    assert outbox_age(later) > during > 0  # rising while nothing can be sent
    assert later[("crosscheck_alert_outbox", (("status", "pending"),))] > 0
    assert later[("crosscheck_scheduler_job_runs", (("job", "send_alerts"),))] > 0
    ready = (await client.get("/ready")).json()
    assert ready["outbox"]["oldest_pending_seconds"] > 0
    assert (
        ready["scheduler"]["running_here"] and ready["scheduler"]["last_heartbeat_seconds_ago"] < 30
    )

    with smtp_server(smtp_port) as inbox:

        async def drained():
            return outbox_age(await scrape(client)) == 0

        await wait_until(drained, every=0.3)
    assert len(inbox.messages) == 5
    after = await scrape(client)
    assert after[("crosscheck_alert_outbox", (("status", "pending"),))] == 0
    # requests are counted by route template and status, with their latency
    assert (
        after[
            (
                "crosscheck_http_requests_total",
                (("method", "GET"), ("route", "/metrics"), ("status", "200")),
            )
        ]
        >= 3
    )
    assert (
        "crosscheck_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "/metrics")),
    ) in after
    assert after[("crosscheck_db_pool_connections", (("pool", "pool"), ("state", "max")))] == 10


async def test_metrics_are_for_administrators_and_the_scraper_only(client, conn):
    officer = await make_user(conn)
    admin = await make_user(conn, role="admin")
    assert (await client.get("/metrics")).status_code == 401
    assert (
        await client.get("/metrics", headers={"Authorization": "Bearer wrong-token"})
    ).status_code == 401
    assert (await client.get("/metrics", headers=officer["headers"])).status_code == 403
    assert (await client.get("/metrics", headers=admin["headers"])).status_code == 200


async def test_ready_reports_the_webhook_outbox_beside_the_alert_outbox(client, conn):
    subscription = await conn.fetchval(
        """INSERT INTO webhook_subscription (authority_id, url, event_types, secret)
           VALUES ((SELECT id FROM authority WHERE name = 'Sheffield'),
                   'https://receiver.invalid/hook', '{licence.granted}', 'whsec_test')
           RETURNING id"""
    )
    # one delivery waiting (not due for an hour, so nothing sends it), one dead
    await conn.execute(
        """INSERT INTO webhook_delivery (subscription_id, event_id, event_type, payload, status,
                                         next_attempt_at, created_at, dead_at)
           VALUES ($1, 1, 'licence.granted', '{}', 'pending', now() + interval '1 hour',
                   now() - interval '90 seconds', NULL),
                  ($1, 2, 'licence.granted', '{}', 'dead', now(), now(), now())""",
        subscription,
    )
    ready = (await client.get("/ready")).json()
    assert ready["webhook_outbox"]["pending"] == 1
    assert ready["webhook_outbox"]["oldest_pending_seconds"] >= 90
    assert ready["webhook_outbox"]["dead"] == 1
    assert set(ready["outbox"]) == {"pending", "oldest_pending_seconds", "dead"}
    scraped = await scrape(client)
    assert scraped[("crosscheck_webhook_outbox_oldest_pending_seconds", ())] >= 90
