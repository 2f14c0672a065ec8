"""The demo shows itself: the sign-in page lists the demo accounts and everyone signed in has
a link to the local mailbox, in the demo only."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from tests.browser.conftest import free_port
from tests.pages.conftest import make_account, sign_in


@pytest.fixture
async def demo_client(db_url):
    settings = load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
            "CROSSCHECK_DEMO": "true",
            "CROSSCHECK_DEMO_MAILBOX": "true",
            "SMTP_PORT": str(free_port()),
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.follow_redirects = False
        yield client


async def test_the_demo_sign_in_page_lists_the_demo_accounts(demo_client):
    page = (await demo_client.get("/sign-in")).text
    assert "Demo accounts" in page and "officer.bolton@crosscheck.example" in page
    assert "analyst@dft.crosscheck.example" in page


async def test_outside_the_demo_no_accounts_are_listed_and_there_is_no_mailbox(client, conn):
    assert "crosscheck.example" not in (await client.get("/sign-in")).text
    await sign_in(client, await make_account(conn))
    assert "Demo mailbox" not in (await client.get("/")).text
    assert (await client.get("/demo/mailbox")).status_code == 404


@pytest.mark.parametrize(
    "role, authority", [("licensing_officer", "Bolton"), ("dft_analyst", None), ("dpo", "Leeds")]
)
async def test_everyone_signed_in_to_the_demo_reaches_its_mailbox(
    demo_client, conn, role, authority
):
    await sign_in(demo_client, await make_account(conn, role=role, authority=authority))
    home = (await demo_client.get("/")).text
    assert 'href="/demo/mailbox"' in home
    mailbox = await demo_client.get("/demo/mailbox")
    assert mailbox.status_code == 200 and "Demo mailbox" in mailbox.text
