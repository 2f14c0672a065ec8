"""Attack story, on the pages: an officer tries to push through a change to a driver another
authority licenses by deciding it themselves, or reads and decides proposals about a driver
their authority has nothing to do with. The proposer cannot accept their own proposal, an
authority with no interest is shown the page that does not exist, and an owner who rejects
must say why. Nothing changes until an owner accepts."""

from __future__ import annotations

from tests.factories import make_driver, make_licence
from tests.pages.conftest import make_account, post_form, signed_in

VISIT = "?purpose=renewal&case_reference=SHF-7"


async def surname(conn, driver) -> str:
    return await conn.fetchval("SELECT surname FROM driver WHERE id = $1", int(driver))


async def test_only_an_owning_authority_decides_and_a_rejection_needs_a_reason(conn, db_url):
    sheffield = await make_account(conn, authority="Sheffield", email="s@sheffield.gov.uk")
    rotherham = await make_account(conn, authority="Rotherham", email="r@rotherham.gov.uk")
    doncaster = await make_account(conn, authority="Doncaster", email="d@doncaster.gov.uk")
    driver = await make_driver(conn, forenames="Joanne", surname="Platt")
    await make_licence(conn, driver, authority="Rotherham")

    async with signed_in(db_url, sheffield) as client:
        form = f"/drivers/{driver.public}/propose"
        page = await client.get(form + VISIT)
        assert page.status_code == 200 and "Rotherham decides changes" in page.text
        sent = await post_form(
            client,
            form,
            {
                "forenames": "Joanne",
                "surname": "Okafor",
                "date_of_birth-day": "17",
                "date_of_birth-month": "5",
                "date_of_birth-year": "1980",
                "reason": "Married in March",
            },
            from_path=form + VISIT,
        )
        assert sent.status_code == 303, sent.text
        proposal = sent.headers["location"].split("?")[0]
        own = await client.get(proposal)
        assert "Pending" in own.text and "Save decision" not in own.text
        # the proposer posts a decision anyway: refused, nothing changes
        tried = await post_form(client, proposal, {"decision": "accept"}, from_path="/")
        assert tried.status_code == 400
        assert "Only an authority that licenses this driver" in tried.text
    assert await surname(conn, driver) == "Platt"

    async with signed_in(db_url, doncaster) as client:
        assert (await client.get(proposal)).status_code == 404
        tried = await post_form(client, proposal, {"decision": "accept"}, from_path="/")
        assert tried.status_code == 404
        listed = await client.get("/identity-proposals")
        assert "Okafor" not in listed.text and proposal not in listed.text
    assert await surname(conn, driver) == "Platt"

    async with signed_in(db_url, rotherham) as client:
        home = await client.get("/")
        assert 'href="/identity-proposals"' in home.text  # the officer's way to the list
        listed = await client.get("/identity-proposals")
        assert proposal in listed.text
        no_reason = await post_form(client, proposal, {"decision": "reject", "note": ""})
        assert no_reason.status_code == 400
        assert "govuk-error-summary" in no_reason.text
        assert "Say why the change is rejected" in no_reason.text
        rejected = await post_form(
            client, proposal, {"decision": "reject", "note": "No certificate on file"}
        )
        assert rejected.status_code == 303
    assert await surname(conn, driver) == "Platt"

    async with signed_in(db_url, sheffield) as client:
        outcome = await client.get(proposal)
        assert "Rejected" in outcome.text and "No certificate on file" in outcome.text
    viewed = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'view' AND subject = $1",
        "identity_proposal:" + proposal.rsplit("/", 1)[1],
    )
    assert viewed >= 3  # each opening of the proposal is audited
