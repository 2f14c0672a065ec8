"""A back-office system subscribes to its authority's register events and receives them on a
real local HTTP receiver, signed as Standard Webhooks says; it rotates its secret without
missing a delivery; a receiver that keeps failing is paused, its owner emailed, and its dead
deliveries resent once it is fixed."""

import asyncio
import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from alerts import schedule
from alerts import webhooks as delivery
from alerts.config import AlertConfig, SmtpConfig
from alerts.transports import make_transport
from licensing.db import create_pool
from registry import retention
from registry.today import london_today
from registry.webhooks import check_target
from tests.alerts_support import smtp_server, wait_until
from tests.factories import make_driver, make_licence, make_user, service_client


class Receiver:
    """A real HTTP server on loopback that records each POST and answers `status`."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict, bytes]] = []
        self.status = 204
        self.answering = threading.Event()  # cleared: the receiver hangs before answering
        self.answering.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                receiver.answering.wait(60)
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.answering.set()
        self.server.shutdown()
        self.server.server_close()


def verifies(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver's check, written from the specification, not with the service's code."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        version == "v1" and hmac.compare_digest(signature, expected)
        for version, _, signature in (
            s.partition(",") for s in headers["webhook-signature"].split()
        )
    )


@pytest.fixture
async def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
async def client(db_url):
    async with service_client(db_url, WEBHOOKS_ALLOW_LOOPBACK="true") as c:
        yield c


@pytest.fixture
async def pool(db_url):
    p = await create_pool(db_url, min_size=1, max_size=4)
    yield p
    await p.close()


CONFIG = delivery.WebhookConfig(
    allow_loopback=True, max_attempts=2, retry_base_seconds=0, pause_after=3
)


async def run(pool, config=CONFIG, transport=None) -> delivery.DeliveryReport:
    """What the scheduler's webhooks job does once."""
    await delivery.fan_out(pool)
    async with delivery.session(config) as http:
        return await delivery.deliver_due(pool, config, http, transport=transport)


async def subscribe(client, officer, url, kinds=("licence_granted",)):
    response = await client.post(
        "/api/v1/webhooks",
        headers=officer["headers"],
        json={"url": url, "event_types": list(kinds), "description": "Back office"},
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert response.headers["location"] == f"/api/v1/webhooks/{made['subscription']['id']}"
    return made


async def test_a_subscribed_receiver_gets_each_event_once_signed_and_verifiable(
    client, conn, pool, receiver
):
    officer = await make_user(conn, authority="Sheffield")
    made = await subscribe(client, officer, receiver.url)
    secret = made["secret"]
    driver = await make_driver(conn)
    await make_licence(conn, driver, authority="Sheffield")
    elsewhere = await make_driver(conn, recorded_by="Leeds")
    await make_licence(conn, elsewhere, authority="Leeds")  # not in Sheffield's feed

    first = await run(pool)
    again = await run(pool)

    assert secret.startswith("whsec_") and first.delivered == 1 and again.claimed == 0
    [(headers, body)] = receiver.posts
    assert verifies(secret, headers, body)
    assert not verifies("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, body)
    event = json.loads(body)
    assert event["type"] == "licence_granted" and event["data"]["driver_id"] == driver.public
    assert "Walker" not in body.decode()  # ids and kinds, no personal data
    listed = await client.get("/api/v1/webhook-deliveries", headers=officer["headers"])
    [row] = listed.json()["items"]
    assert row["id"] == headers["webhook-id"] and row["status"] == "delivered"
    assert secret not in (await client.get("/api/v1/webhooks", headers=officer["headers"])).text


async def test_a_new_event_is_sent_when_it_commits_not_at_the_next_interval(
    client, conn, pool, receiver
):
    officer = await make_user(conn, authority="Sheffield")
    made = await subscribe(client, officer, receiver.url)
    config = AlertConfig(interval_seconds=3600, webhooks=CONFIG)  # the fallback never comes
    async with schedule.running(pool, config, only=["send_webhooks"]) as scheduler:
        await wait_until(lambda: scheduler.runs.get("send_webhooks"))  # the run at start
        driver = await make_driver(conn)
        await make_licence(conn, driver, authority="Sheffield")  # commits: NOTIFY wakes it
        await wait_until(lambda: receiver.posts)
    [(headers, body)] = receiver.posts
    assert verifies(made["secret"], headers, body)
    assert json.loads(body)["data"]["driver_id"] == driver.public


async def test_a_receiver_that_hangs_holds_up_no_other_receiver(client, conn, pool, receiver):
    """Sheffield's case system stops answering; its other system is sent every event meanwhile."""
    officer = await make_user(conn, authority="Sheffield")
    hanging = Receiver()
    try:
        await subscribe(client, officer, hanging.url)  # the older subscription, queued first
        await subscribe(client, officer, receiver.url)
        hanging.answering.clear()
        for _ in range(8):
            await make_licence(conn, await make_driver(conn), authority="Sheffield")
        # four POSTs in flight in all, two per receiver, and no timeout before the test ends
        config = replace(CONFIG, concurrency=4, per_receiver=2, timeout_seconds=60)
        sending = asyncio.create_task(run(pool, config))
        await wait_until(lambda: len(receiver.posts) == 8)
        waiting_on_hanging = len(hanging.posts)
        hanging.answering.set()
        report = await sending
    finally:
        hanging.close()

    assert waiting_on_hanging <= 2  # it held its own two connections and nothing more
    assert report.delivered == 16 and len(hanging.posts) == 8


async def test_the_retention_job_removes_deliveries_delivered_more_than_30_days_ago(
    client, conn, pool, receiver
):
    officer = await make_user(conn, authority="Sheffield")
    await subscribe(client, officer, receiver.url)
    for _ in range(3):
        await make_licence(conn, await make_driver(conn), authority="Sheffield")
    assert (await run(pool)).delivered == 3
    old, recent, waiting = [
        r["id"] for r in await conn.fetch("SELECT id FROM webhook_delivery ORDER BY id")
    ]
    await conn.execute(
        "UPDATE webhook_delivery SET delivered_at = now() - interval '31 days' WHERE id = $1",
        old,
    )
    await conn.execute(
        "UPDATE webhook_delivery SET status = 'dead', delivered_at = NULL, "
        "dead_at = now() - interval '90 days' WHERE id = $1",
        waiting,
    )

    removed = await retention.purge_expired_records(conn, london_today())

    assert removed["webhook_delivery"] == 1
    left = {r["id"] for r in await conn.fetch("SELECT id FROM webhook_delivery")}
    assert left == {recent, waiting}


async def test_a_sender_that_stops_mid_claim_leaves_nothing_unsent_and_claims_cost_no_index_entries(
    client, conn, pool, receiver
):
    """A sender claims three deliveries and is gone before sending them: its lease runs out,
    the sweep queues them again, and the next run sends each once. Claiming rewrote each row
    in place (a HOT update), which is what keeps the database's work per delivery small."""
    officer = await make_user(conn, authority="Sheffield")
    await subscribe(client, officer, receiver.url)
    for _ in range(3):
        await make_licence(conn, await make_driver(conn), authority="Sheffield")
    await delivery.fan_out(pool)

    async with conn.transaction():
        claimed = await conn.fetch(delivery.CLAIM, 10, uuid.uuid4(), 0.0, None, [], [])
        updates = await conn.fetchrow(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'webhook_delivery'"
        )
    swept = await delivery.sweep(conn)
    report = await run(pool)

    assert len(claimed) == 3 and swept == 3
    assert updates["n_tup_upd"] == 3 and updates["n_tup_hot_upd"] == 3
    assert report.delivered == 3 and len(receiver.posts) == 3


async def test_a_sender_stopped_mid_run_hands_back_what_it_had_not_sent_and_the_next_sends_it_once(
    client, conn, pool, receiver
):
    """The worker is told to stop while Sheffield's receiver is slow to answer: the POST in
    flight finishes and is recorded, the deliveries not yet sent go straight back to the queue
    (no lease to wait for, no attempt counted), and the next run sends each of them once."""
    officer = await make_user(conn, authority="Sheffield")
    await subscribe(client, officer, receiver.url)
    for _ in range(6):
        await make_licence(conn, await make_driver(conn), authority="Sheffield")
    await delivery.fan_out(pool)
    receiver.answering.clear()
    stopping = asyncio.Event()
    config = replace(CONFIG, per_receiver=1, timeout_seconds=60)
    async with delivery.session(config) as http:
        sending = asyncio.create_task(delivery.deliver_due(pool, config, http, stopping=stopping))
        await wait_until(lambda: receiver.posts)  # the first POST waits for its answer
        stopping.set()
        receiver.answering.set()
        stopped = await sending
    left = await conn.fetch("SELECT status, attempts FROM webhook_delivery ORDER BY id")
    again = await run(pool)

    assert stopped.delivered == 1
    assert [(r["status"], r["attempts"]) for r in left] == [("delivered", 1)] + [("pending", 0)] * 5
    assert again.delivered == 5
    ids = [headers["webhook-id"] for headers, _body in receiver.posts]
    assert len(ids) == 6 and len(set(ids)) == 6


async def test_during_a_rotation_both_secrets_verify(client, conn, pool, receiver):
    officer = await make_user(conn, authority="Sheffield")
    made = await subscribe(client, officer, receiver.url)
    rotated = await client.post(
        f"/api/v1/webhooks/{made['subscription']['id']}/secret-rotation",
        headers=officer["headers"],
    )
    await make_licence(conn, await make_driver(conn), authority="Sheffield")

    await run(pool)

    [(headers, body)] = receiver.posts
    new = rotated.json()["secret"]
    assert new != made["secret"]
    assert verifies(new, headers, body) and verifies(made["secret"], headers, body)


async def test_targets_must_be_public_https_and_another_authority_sees_nothing(client, conn):
    officer = await make_user(conn, authority="Sheffield")
    leeds = await make_user(conn, authority="Leeds")
    made = await subscribe(client, officer, "http://127.0.0.1:9/hooks")
    path = f"/api/v1/webhooks/{made['subscription']['id']}"

    for url in ("https://10.1.2.3/hooks", "https://192.168.0.1/", "ftp://127.0.0.1/", "nonsense"):
        response = await client.post(
            "/api/v1/webhooks",
            headers=officer["headers"],
            json={"url": url, "event_types": ["licence_granted"]},
        )
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "url"
    unknown = await client.post(
        "/api/v1/webhooks",
        headers=officer["headers"],
        json={"url": "http://127.0.0.1:9/", "event_types": ["everything"]},
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "event_types"
    assert (await client.get(path, headers=leeds["headers"])).status_code == 404
    assert (await client.delete(path, headers=leeds["headers"])).status_code == 404
    listed = await client.get("/api/v1/webhooks", headers=leeds["headers"])
    assert listed.json() == {"items": [], "next": None}
    assert (await client.delete(path, headers=officer["headers"])).status_code == 204


# A private or loopback IPv4 address written inside an IPv6 one that a translator or relay
# turns back into it: NAT64 (64:ff9b::/96, RFC 6052; 64:ff9b:1::/48 is a network's own,
# RFC 8215), 6to4 (2002::/16) and the old IPv4-compatible form (::/96).
HIDDEN_PRIVATE = (
    "https://[64:ff9b::a01:203]/hooks",  # 10.1.2.3 through NAT64
    "https://[64:ff9b::7f00:1]/hooks",  # 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/hooks",  # 169.254.169.254, the cloud metadata address
    "https://[64:ff9b:1::808:808]/hooks",  # a local-use NAT64 prefix, whatever it holds
    "https://[2002:c0a8:1::1]/hooks",  # 192.168.0.1 through 6to4
    "https://[2002:7f00:1::1]/hooks",  # 127.0.0.1
    "https://[::a01:203]/hooks",  # 10.1.2.3, IPv4-compatible
)


async def test_a_private_address_inside_an_ipv6_translation_is_refused(client, conn):
    # an integrator's leaked token subscribes the service's own network, written as the IPv6
    # addresses a NAT64 gateway or a 6to4 relay would carry to it: refused as the plain
    # private addresses are, while a public IPv4 address written the same way is a target
    officer = await make_user(conn, authority="Sheffield")
    answers = [
        await client.post(
            "/api/v1/webhooks",
            headers=officer["headers"],
            json={"url": url, "event_types": ["licence_granted"]},
        )
        for url in HIDDEN_PRIVATE
    ]

    assert [a.status_code for a in answers] == [422] * len(HIDDEN_PRIVATE)
    assert {a.json()["errors"][0]["field"] for a in answers} == {"url"}
    assert await conn.fetchval("SELECT count(*) FROM webhook_subscription") == 0
    for public in ("https://[64:ff9b::808:808]/hooks", "https://[2002:808:808::1]/hooks"):
        assert await check_target(public, allow_loopback=False) is None, public


async def test_loopback_targets_are_refused_unless_the_service_allows_them(db_url, conn):
    officer = await make_user(conn, authority="Sheffield")
    async with service_client(db_url) as strict:
        for url in ("http://127.0.0.1:8080/hooks", "https://127.0.0.1/hooks", "https://[::1]/"):
            response = await strict.post(
                "/api/v1/webhooks",
                headers=officer["headers"],
                json={"url": url, "event_types": ["licence_granted"]},
            )
            assert response.status_code == 422, url


async def test_a_failing_receiver_is_paused_its_owner_emailed_and_dead_deliveries_resent(
    client, conn, pool, receiver
):
    officer = await make_user(conn, authority="Sheffield", email="back.office@sheffield.gov.uk")
    made = await subscribe(client, officer, receiver.url)
    sub_id = made["subscription"]["id"]
    receiver.status = 500
    for _ in range(3):
        await make_licence(conn, await make_driver(conn), authority="Sheffield")
    with smtp_server() as inbox:
        transport = make_transport(AlertConfig(smtp=SmtpConfig(port=inbox.port)))
        await run(pool, transport=transport)  # first attempts: 3 failures, paused
        paused = (await client.get(f"/api/v1/webhooks/{sub_id}", headers=officer["headers"])).json()
        [email] = inbox.to("back.office@sheffield.gov.uk")

    assert paused["status"] == "paused" and "resume" in paused["paused_reason"]
    assert f"subscription {sub_id}" in email.text
    assert (await run(pool)).claimed == 0  # a paused subscription's deliveries wait

    receiver.status = 204
    resumed = await client.post(f"/api/v1/webhooks/{sub_id}/resumption", headers=officer["headers"])
    assert resumed.json()["status"] == "active"
    receiver.status = 503
    await run(pool)  # second attempts fail: out of attempts, dead
    dead = (
        await client.get(
            "/api/v1/webhook-deliveries", params={"status": "dead"}, headers=officer["headers"]
        )
    ).json()["items"]
    assert len(dead) == 3 and all(d["last_error"] == "the receiver answered 503" for d in dead)

    receiver.status = 204
    again = await client.post(f"/api/v1/webhooks/{sub_id}/resumption", headers=officer["headers"])
    assert again.status_code == 200  # it had paused again after three more failures
    for d in dead:
        path = f"/api/v1/webhook-deliveries/{d['id']}/resend"
        assert (await client.post(path, headers=officer["headers"])).status_code == 202
    leeds = await make_user(conn, authority="Leeds")
    other = await client.post(
        f"/api/v1/webhook-deliveries/{dead[0]['id']}/resend", headers=leeds["headers"]
    )
    report = await run(pool)

    assert other.status_code == 404
    assert report.delivered == 3
    ids = [h["webhook-id"] for h, _ in receiver.posts]
    assert len(set(ids)) == 3  # retries keep their webhook-id
    assert all(verifies(made["secret"], h, b) for h, b in receiver.posts)
