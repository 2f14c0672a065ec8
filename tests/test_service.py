"""The service answers: health, readiness and the register counts page."""

import pytest


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


async def test_the_service_is_healthy_and_ready(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = (await client.get("/ready")).json()
    assert ready["status"] == "ready" and ready["database"] == "ok"
    assert ready["outbox"] == {"pending": 0, "oldest_pending_seconds": 0, "dead": 0}
    assert ready["scheduler"]["running_here"] is False


async def test_the_counts_page_shows_the_authorities_and_an_empty_register(client):
    counts = (await client.get("/register-counts")).json()
    assert counts == {
        "authorities": 286,
        "drivers": 0,
        "current_licences": 0,
        "register_entries": 0,
    }


async def test_the_openapi_document_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Crosscheck API"
