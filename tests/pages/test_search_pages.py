"""Officers search the register and open a driver's record through the pages."""

from __future__ import annotations

import re
from datetime import date

from tests.factories import make_driver, make_entry, make_licence
from tests.pages.conftest import make_account, search, sign_in
from tests.pages.test_recording_pages import summary_links


async def test_a_search_under_another_spelling_finds_the_driver_and_explains_why(
    client, conn, officer
):
    driver_id = await make_driver(
        conn,
        forenames="Muhammad",
        surname="Khan",
        date_of_birth=date(1985, 3, 2),
        recorded_by="Bolton",
    )
    await make_licence(conn, driver_id, authority="Bolton")
    await sign_in(client, officer)
    response = await search(
        client,
        {
            "purpose": "new_application",
            "case_reference": "ROT/26/0042",
            "forenames": "Mohammed",
            "surname": "Khan",
            "date_of_birth-day": "2",
            "date_of_birth-month": "3",
            "date_of_birth-year": "1985",
        },
    )
    assert response.status_code == 200
    assert "1 driver found" in response.text
    # a transliteration of the forename: banded by the match model's evidence, with reasons
    assert re.search(r"(Strong|Possible) match", response.text)
    assert "Why it matched" in response.text and "Same date of birth" in response.text
    assert "Muhammad Khan" in response.text and "Bolton" in response.text
    link = (
        re.search(r'href="(/drivers/[0-9a-f-]{36}\?[^"]+)"', response.text)
        .group(1)
        .replace("&amp;", "&")
    )
    record = await client.get(link)
    assert record.status_code == 200
    assert "Licences at every authority" in record.text and "Licence granted" in record.text
    logged = await conn.fetch(
        "SELECT action, case_reference FROM audit_log WHERE user_id = $1 ORDER BY id", officer["id"]
    )
    assert [(r["action"], r["case_reference"]) for r in logged][-1][1] == "ROT/26/0042"


async def test_the_search_form_empty_and_wrong(client, conn, officer):
    await sign_in(client, officer)
    before = await conn.fetchval("SELECT count(*) FROM audit_log")
    empty = await search(client, {})
    assert empty.status_code == 400
    assert summary_links(empty.text) == ["purpose", "case_reference", "identifier"]
    wrong = await search(
        client,
        {
            "purpose": "curiosity",
            "case_reference": "C" * 61,
            "forenames": "123",
            "surname": "Khan",
            "date_of_birth-day": "31",
            "date_of_birth-month": "2",
            "date_of_birth-year": "1985",
        },
    )
    assert summary_links(wrong.text) == [
        "purpose",
        "case_reference",
        "forenames",
        "date_of_birth-day",
    ]
    bad_identifier = await search(
        client, {"purpose": "renewal", "case_reference": "R1", "identifier": "HELLO"}
    )
    assert summary_links(bad_identifier.text) == ["identifier"]
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == before


async def test_a_record_asks_why_before_it_opens(client, conn, officer):
    driver_id = await make_driver(conn)
    await sign_in(client, officer)
    ask = await client.get(f"/drivers/{driver_id.public}")
    assert "Why are you opening this record?" in ask.text
    wrong = await client.get(f"/drivers/{driver_id.public}?purpose=&case_reference=")
    assert wrong.status_code == 400
    assert summary_links(wrong.text) == ["purpose", "case_reference"]
    assert (
        await conn.fetchval("SELECT count(*) FROM audit_log WHERE driver_id = $1", driver_id) == 0
    )


async def test_narrative_shows_only_to_the_recording_authority(client, conn, officer):
    driver_id = await make_driver(conn)
    await make_entry(conn, driver_id, authority="Sheffield", narrative="Private details")
    await make_entry(conn, driver_id, authority="Rotherham", narrative="Our own notes")
    await sign_in(client, officer)
    record = await client.get(f"/drivers/{driver_id.public}?purpose=renewal&case_reference=R-9")
    assert "Our own notes" in record.text
    assert "Private details" not in record.text
    assert "Only Sheffield can see the details" in record.text
    assert "Ask for the information (section 3)" in record.text


async def test_a_dft_analyst_cannot_search(client, conn):
    analyst = await make_account(conn, role="dft_analyst", authority=None)
    await sign_in(client, analyst)
    assert (await client.get("/search")).status_code == 403


async def test_a_search_asked_for_by_another_site_waits_for_the_officer(client, conn, officer):
    await sign_in(client, officer)
    before = await conn.fetchval("SELECT count(*) FROM audit_log")
    asked = {"purpose": "renewal", "case_reference": "R1", "identifier": "AB123456C"}
    response = await search(client, asked, **{"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Check the details below, then press Search" in response.text
    assert 'value="AB123456C"' in response.text
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == before
    ours = await search(client, asked, **{"Sec-Fetch-Site": "same-origin"})
    assert "No drivers found" in ours.text
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == before + 1


async def test_a_record_opened_from_an_alert_offers_a_fitting_purpose(client, conn, officer):
    from alerts.rules import queue_all_new_alerts

    driver_id = await make_driver(conn, recorded_by="Sheffield", home="Rotherham")
    await make_licence(conn, driver_id, authority="Sheffield")
    await queue_all_new_alerts(conn)
    alert = await conn.fetchval("SELECT id FROM alert")
    await sign_in(client, officer)
    ask = await client.get(f"/drivers/{driver_id.public}?alert={alert}")
    assert "Why are you opening this record?" in ask.text
    assert 'value="enforcement" checked' in ask.text
    assert f'value="Alert A{alert}"' in ask.text
    # another authority's alert, or another driver's, offers nothing
    other = await make_driver(conn, forenames="Other")
    assert "checked" not in (await client.get(f"/drivers/{other.public}?alert={alert}")).text


async def test_the_entry_number_is_shown_where_officers_are_told_to_quote_it(client, conn, officer):
    driver_id = await make_driver(conn)
    entry = await make_entry(conn, driver_id, authority="Sheffield")
    await sign_in(client, officer)
    record = await client.get(f"/drivers/{driver_id.public}?purpose=renewal&case_reference=R-9")
    assert f"Sheffield, quoting entry number E{entry}" in record.text
    found = await search(
        client,
        {
            "purpose": "renewal",
            "case_reference": "R-9",
            "forenames": "Stephen",
            "surname": "Walker",
            "date_of_birth-day": "17",
            "date_of_birth-month": "5",
            "date_of_birth-year": "1980",
        },
    )
    assert f"entry number E{entry}" in found.text


def test_messages_read_as_plain_english():
    from licensing.pages.render import sentence
    from registry.fields import Fields

    fields = Fields()
    fields.text("case_reference", "", "your case reference", required=True)
    fields.text("licence_number", "x" * 30, "licence number", max_length=20)
    assert fields.errors == [
        ("case_reference", "Enter your case reference"),
        ("licence_number", "The licence number must be 20 characters or fewer"),
    ]
    assert sentence("GB driving licence number identical") == "GB driving licence number identical"


async def test_pages_carry_the_service_name_and_no_crown(client):
    page = await client.get("/sign-in")
    assert "<title>Sign in – Crosscheck</title>" in page.text
    assert "govuk-header" not in page.text and "govuk-logo" not in page.text.replace(
        "govuk-footer__crown", ""
    )
    assert "govuk-service-navigation__service-name" in page.text
    assert "/assets/favicon.svg" in page.text and "govuk-icon-mask" not in page.text
