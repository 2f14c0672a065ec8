"""The demo shows itself: the sign-in page lists the demo accounts and everyone signed in has
a link to the local mailbox, in the demo only."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from alerts.rules import queue_all_new_alerts
from licensing.app import create_app
from licensing.db import connect
from licensing.settings import load
from registry.synthetic.activity import DEMO_AUTHORITIES, add_demo_activity
from registry.synthetic.seed import seed
from tests.browser.conftest import free_port
from tests.pages.conftest import csrf_of, make_account, sign_in


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


async def test_after_the_demo_seed_each_demo_officer_has_work_on_the_home_page(client, db_url):
    """Rotherham, Sheffield, Bolton and Wolverhampton each have s.3 requests to answer (one
    overdue), concerns awaiting a reply, licences expiring within 60 days, a possible duplicate
    and alerts on their way, so every list on the officer's home page shows something."""
    owner = await connect(db_url, as_app=False)
    try:
        await seed(owner, drivers=1_500, seed=7, worker=False)
        added = await add_demo_activity(owner)
        await queue_all_new_alerts(owner, limit=100_000)
        assert added["requests"] == 12 and added["concerns"] == 8
        for authority in DEMO_AUTHORITIES:
            officer = await make_account(owner, authority=authority, name=f"{authority} officer")
            await sign_in(client, officer)
            home = (await client.get("/")).text
            assert "Your work" in home
            for heading in (
                "Information requests to answer",
                "Concerns awaiting your reply",
                "Licences expiring in the next 60 days",
            ):
                assert f'<h2 class="govuk-heading-m">{heading}</h2>' in home, (authority, heading)
            assert "Overdue</strong>" in home, authority
            assert 'id="count-duplicates">0' not in home, authority
            assert await owner.fetchval(
                """SELECT count(*) FROM alert a JOIN authority r ON r.id = a.recipient_authority_id
                   WHERE r.name = $1""",
                authority,
            ), authority
            assert await owner.fetchval(
                """SELECT count(*) FROM possible_duplicate p JOIN licence l
                     ON l.driver_id IN (p.driver_a, p.driver_b)
                   JOIN authority a ON a.id = l.authority_id
                   WHERE p.status = 'open' AND a.name = $1""",
                authority,
            ), authority
            await client.post("/sign-out", data={"csrf_token": csrf_of(home)})
    finally:
        await owner.close()
