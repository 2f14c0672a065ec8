"""What a shared cache, a downgraded connection or an injected script could take: answers that
carry personal data are never stored, https is insisted on once seen, and the API reference
runs only its own scripts."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.factories import make_driver, make_user

WHY = {"purpose": "renewal", "case_reference": "LIC/2026/001"}


@pytest.fixture
async def https_client(db_url):
    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        yield client


async def test_an_answer_with_a_drivers_details_is_never_cached_and_https_is_insisted_on(
    https_client, conn
):
    officer = await make_user(conn)
    await make_driver(conn, ni_number="AB123456C")
    response = await https_client.post(
        "/api/v1/searches", json={**WHY, "identifier": "AB123456C"}, headers=officer["headers"]
    )
    assert response.status_code == 200 and response.json()["results"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    page = await https_client.get("/sign-in")
    refused = await https_client.post("/api/v1/searches", json=WHY)  # no token: an error
    for response in (page, refused):
        assert "no-store" in response.headers["cache-control"]


async def test_static_assets_may_be_cached(https_client):
    response = await https_client.get("/assets/app.js")
    assert response.status_code == 200
    assert "cache-control" not in response.headers


async def test_no_hsts_when_secure_cookies_are_off_for_plain_http(db_url):
    settings = load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await client.get("/sign-in")
    assert "strict-transport-security" not in response.headers


async def test_the_api_reference_has_a_policy_allowing_only_its_own_scripts(https_client):
    response = await https_client.get("/schema")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy
