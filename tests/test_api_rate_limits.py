"""Each API token may make API_REQUESTS_PER_MINUTE requests a minute, counted in PostgreSQL
so every process of the service shares the count; past it the service answers 429 with
Retry-After, and every answer tells the client where it stands (RateLimit headers)."""

import re

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.factories import make_user, room_in_the_window


@pytest.fixture
async def client(db_url):
    settings = {"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}
    app = create_app(load({**settings, "API_REQUESTS_PER_MINUTE": "3"}))
    async with AsyncTestClient(app=app) as c:
        yield c


async def test_a_token_past_its_limit_is_told_to_wait_and_other_tokens_are_not(client, conn):
    officer = await make_user(conn, authority="Sheffield")
    colleague = await make_user(conn, authority="Sheffield")
    await room_in_the_window(conn, 60, room=20)  # four requests count in one minute

    answers = [await client.get("/api/v1/me", headers=officer["headers"]) for _ in range(4)]
    other = await client.get("/api/v1/me", headers=colleague["headers"])

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert re.fullmatch(r'"default";r=2;t=\d+', answers[0].headers["ratelimit"])
    assert re.fullmatch(r'"default";r=0;t=\d+', answers[2].headers["ratelimit"])
    refused = answers[3]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429 and "Retry-After" in refused.json()["detail"]
    assert other.status_code == 200


async def test_pages_and_public_routes_are_not_counted_against_a_token(client, conn):
    officer = await make_user(conn, authority="Sheffield")
    for _ in range(5):
        health = await client.get("/health", headers=officer["headers"])
        assert health.status_code == 200 and "ratelimit" not in health.headers
    anonymous = await client.get("/api/v1/me")
    assert anonymous.status_code == 401 and "ratelimit" not in anonymous.headers


async def test_the_limit_is_off_when_set_to_nought(db_url, conn):
    officer = await make_user(conn, authority="Sheffield")
    env = {"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false", "API_REQUESTS_PER_MINUTE": "0"}
    async with AsyncTestClient(app=create_app(load(env))) as c:
        answers = [await c.get("/api/v1/me", headers=officer["headers"]) for _ in range(5)]
    assert {a.status_code for a in answers} == {200}
    assert "ratelimit" not in answers[0].headers
