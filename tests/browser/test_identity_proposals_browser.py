"""In a real browser: a Sheffield officer proposes a new surname for a driver Rotherham
licenses; a Rotherham officer accepts it; Sheffield sees it applied. Every page passes axe."""

from __future__ import annotations

import pytest

from licensing.db import connect
from tests.browser.conftest import check_page, new_page, sign_in
from tests.factories import make_driver, make_licence
from tests.pages.conftest import PASSWORD, make_account

pytestmark = pytest.mark.browser
VISIT = "purpose=renewal&case_reference=SHF-2026-118"


@pytest.fixture(scope="module")
async def story(live_db):
    conn = await connect(live_db)
    try:
        sheffield = await make_account(
            conn, authority="Sheffield", name="Sam Sheffield", email="sam@sheffield.gov.uk"
        )
        rotherham = await make_account(
            conn, authority="Rotherham", name="Rita Rotherham", email="rita@rotherham.gov.uk"
        )
        driver = await make_driver(conn, forenames="Joanne", surname="Platt")
        await make_licence(conn, driver, authority="Rotherham")
        return {"sheffield": sheffield, "rotherham": rotherham, "driver": driver.public}
    finally:
        await conn.close()


async def test_sheffield_proposes_a_new_surname_rotherham_accepts_and_sheffield_sees_it(
    browser, live, story
):
    record = f"/drivers/{story['driver']}?{VISIT}"
    async with new_page(browser, live) as sam, new_page(browser, live) as rita:
        await sign_in(sam, story["sheffield"]["email"], PASSWORD)
        await sam.goto(record)
        await sam.get_by_role("button", name="Change details").click()
        await sam.wait_for_load_state()
        assert "Propose a change to Joanne Platt's details" in await sam.inner_text("h1")
        assert "Rotherham decides changes" in await sam.inner_text("main")
        await check_page(sam, "identity-propose")

        # nothing changed and no reason: the error summary says so, and nothing is sent
        await sam.get_by_role("button", name="Send the proposal").click()
        await sam.wait_for_load_state()
        summary = await sam.locator(".govuk-error-summary").inner_text()
        assert "Enter the reason for the change" in summary
        await check_page(sam, "identity-propose-errors")

        await sam.get_by_label("Surname").fill("Okafor")
        await sam.get_by_label("Why should the details change?").fill(
            "Married in March; she showed us the certificate at renewal"
        )
        await sam.get_by_role("button", name="Send the proposal").click()
        await sam.wait_for_load_state()
        main = await sam.inner_text("main")
        assert "Proposal sent" in main
        assert "Platt to Okafor" in main and "Pending" in main
        proposal = sam.url.split("?")[0]

        # Rotherham finds it among the proposals to decide, and accepts it
        await sign_in(rita, story["rotherham"]["email"], PASSWORD)
        await rita.goto("/identity-proposals")
        await check_page(rita, "identity-proposals")
        await rita.get_by_role("link", name="Surname").click()
        await rita.wait_for_load_state()
        assert rita.url.split("?")[0] == proposal
        assert "Married in March" in await rita.inner_text("main")
        await check_page(rita, "identity-proposal-decide")
        await rita.get_by_label("Accept it").check()
        await rita.get_by_role("button", name="Save decision").click()
        await rita.wait_for_load_state()
        assert "Change accepted" in await rita.inner_text("main")

        # Sheffield sees the outcome, and the record as changed
        await sam.goto(proposal)
        main = await sam.inner_text("main")
        assert "Accepted" in main and "Rotherham" in main
        await check_page(sam, "identity-proposal-accepted")
        await sam.goto(record)
        assert await sam.inner_text("h1") == "Joanne Okafor"
        assert "Joanne Platt" in await sam.inner_text("main")  # kept as a former name
