"""Recording through the pages: every form, sent empty and sent with wrong values, answers
with the GOV.UK error summary naming each invalid field, and writes nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from alerts.rules import queue_all_new_alerts
from registry.today import london_today
from tests.factories import make_driver, make_entry, make_licence, make_request
from tests.pages.conftest import make_account, post_form, search, sign_in

TABLES = (
    "driver",
    "driver_name",
    "licence",
    "licence_change",
    "register_entry",
    "register_entry_change",
    "concern",
    "information_request",
    "register_event",
)


async def counts(conn) -> dict[str, int]:
    return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in TABLES}


def summary_links(html: str) -> list[str]:
    """The fields the error summary links to, in order."""
    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert found, "no error summary on the page"
    return re.findall(r'href="#([^"]+)"', found.group(1))


def day(value: date, name: str) -> dict[str, str]:
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }


@pytest.fixture
async def rotherham(client, conn):
    officer = await make_account(conn, name="Rita Rotherham")
    await sign_in(client, officer)
    return officer


async def test_recording_a_driver_then_their_licence(client, conn, rotherham):
    response = await post_form(
        client,
        "/drivers/new",
        {
            "forenames": "Stephen",
            "surname": "Walker",
            **day(date(1980, 5, 17), "date_of_birth"),
            "sex": "M",
            "gb_licence_number": "WALKE805170SJ9AB",
            "home_authority": "E08000019",
        },
        from_path="/drivers/new",
    )
    assert response.status_code == 303, response.text
    driver_id = re.search(r"/drivers/([0-9a-f-]{36})/", response.headers["location"]).group(1)
    form_page = await client.get(response.headers["location"])
    assert "Stephen Walker has been recorded on the register" in form_page.text
    granted = await post_form(
        client,
        f"/drivers/{driver_id}/licences/new",
        {"licence_number": "ROT-PH-1", "kind": "private_hire", **day(london_today(), "granted_on")},
    )
    assert granted.status_code == 303
    confirmation = await client.get(granted.headers["location"])
    assert "Licence recorded" in confirmation.text
    assert "Sheffield will be alerted, because the driver lives in its area" in confirmation.text


async def test_a_driver_recorded_under_a_name_holding_markup_is_named_as_text(
    client, conn, rotherham
):
    # the banner is HTML (GOV.UK's notification banner), so the name in it is escaped
    response = await post_form(
        client,
        "/drivers/new",
        {
            "forenames": "<i>Stephen</i>",
            "surname": "O'Walker",
            **day(date(1980, 5, 17), "date_of_birth"),
        },
    )
    assert response.status_code == 303, response.text
    form_page = await client.get(response.headers["location"])
    assert (
        "&lt;i&gt;Stephen&lt;/i&gt; O&#39;Walker has been recorded on the register"
        in form_page.text
    )
    assert "<i>Stephen</i>" not in form_page.text


async def test_the_driver_form_empty_and_wrong(client, conn, rotherham):
    before = await counts(conn)
    empty = await post_form(client, "/drivers/new", {})
    assert empty.status_code == 400
    assert summary_links(empty.text) == ["forenames", "surname", "date_of_birth-day"]
    wrong = await post_form(
        client,
        "/drivers/new",
        {
            "forenames": "Stephen",
            "surname": "Walker",
            "date_of_birth-day": "31",
            "date_of_birth-month": "2",
            "date_of_birth-year": "1980",
            "sex": "X",
            "gb_licence_number": "NOT A LICENCE",
            "ni_number": "QQ12",
            "postcode": "nowhere",
            "home_authority": "E99999999",
        },
        from_path="/drivers/new",
    )
    assert wrong.status_code == 400
    assert summary_links(wrong.text) == [
        "date_of_birth-day",
        "sex",
        "gb_licence_number",
        "ni_number",
        "postcode",
        "home_authority",
    ]
    assert "Date of birth must be a real date" in wrong.text
    assert await counts(conn) == before


async def test_the_driver_form_sent_back_with_errors_names_its_own_address(client, conn, rotherham):
    """The browser history then holds a GET of the form, not the POST (static/app/app.js)."""
    visit = "?purpose=renewal&case_reference=ROT%2F1"
    refused = await post_form(client, f"/drivers/new{visit}", {}, from_path="/drivers/new")
    assert refused.status_code == 400
    escaped = visit.replace("&", "&amp;")
    assert f'data-app-form-address="/drivers/new{escaped}"' in refused.text
    assert "data-app-form-address" not in (await client.get("/drivers/new")).text


async def test_a_driver_already_on_the_register_is_not_recorded_twice(client, conn, rotherham):
    await make_driver(conn, gb_licence_number="WALKE805170SJ9AB")
    before = await counts(conn)
    response = await post_form(
        client,
        "/drivers/new",
        {
            "forenames": "Steven",
            "surname": "Walker",
            **day(date(1980, 5, 17), "date_of_birth"),
            "gb_licence_number": "WALKE805170SJ9AB",
        },
        from_path="/drivers/new",
    )
    assert response.status_code == 400
    assert summary_links(response.text) == ["gb_licence_number"]
    assert "already on the register" in response.text
    assert await counts(conn) == before


async def test_an_officer_adds_the_spelling_another_council_uses_and_a_search_under_it_finds_the_driver(
    client, conn, rotherham
):
    driver = await make_driver(
        conn,
        forenames="Yusuf",
        surname="Abdullahi",
        date_of_birth=date(1979, 11, 4),
        recorded_by="Rotherham",
    )
    # a name nothing links to Yusuf Abdullahi (Joseph would: it is Yusuf in English)
    before = await search_names(client, "Jay", "Hassan")

    added = await post_form(
        client,
        f"/drivers/{driver.public}/names/new",
        {"kind": "alias", "forenames": "Jay", "surname": "Hassan"},
    )
    after = await search_names(client, "Jay", "Hassan")

    assert added.headers["location"] == f"/drivers/{driver.public}?done=name"
    assert "No drivers found" in before and "Yusuf Abdullahi" not in before
    assert "Yusuf Abdullahi" in after
    names = await conn.fetch(
        "SELECT kind, forenames, surname FROM driver_name WHERE driver_id = $1 ORDER BY id", driver
    )
    assert [(n["kind"], n["surname"]) for n in names] == [
        ("current", "Abdullahi"),
        ("alias", "Hassan"),
    ]


async def search_names(client, forenames: str, surname: str) -> str:
    response = await search(
        client,
        {
            "purpose": "renewal",
            "case_reference": "ROT/26/7",
            "forenames": forenames,
            "surname": surname,
            **day(date(1979, 11, 4), "date_of_birth"),
        },
    )
    return response.text


async def test_an_officer_records_a_drivers_move_and_marriage_and_the_new_home_is_told(
    client, conn, rotherham
):
    driver = await make_driver(
        conn,
        forenames="Sarah",
        surname="Walker",
        recorded_by="Rotherham",
        home="Rotherham",
        date_of_birth=date(1990, 6, 1),
    )
    await make_licence(conn, driver, authority="Rotherham")
    await queue_all_new_alerts(conn)
    form = await client.get(f"/drivers/{driver.public}/change")

    saved = await post_form(
        client,
        f"/drivers/{driver.public}/change",
        {
            "forenames": "Sarah",
            "surname": "Ahmed",
            **day(date(1990, 6, 1), "date_of_birth"),
            "home_authority": "E08000039",
            "address": "1 New Street",
            "postcode": "S1 2AB",
        },
    )
    await queue_all_new_alerts(conn)

    assert 'value="Walker"' in form.text and 'value="E08000018" selected' in form.text
    assert saved.headers["location"] == f"/drivers/{driver.public}?done=driver"
    names = await conn.fetch(
        "SELECT kind, surname FROM driver_name WHERE driver_id = $1 ORDER BY id", driver
    )
    assert {(n["kind"], n["surname"]) for n in names} == {
        ("current", "Ahmed"),
        ("former", "Walker"),
    }
    told = await conn.fetch(
        "SELECT au.name, a.kind FROM alert a JOIN authority au "
        "ON au.id = a.recipient_authority_id WHERE a.kind = 'resident_moved'"
    )
    assert [(t["name"], t["kind"]) for t in told] == [("Sheffield", "resident_moved")]


async def test_correcting_a_driver_who_lives_in_scotland_keeps_their_home(client, conn, rotherham):
    driver = await make_driver(
        conn,
        forenames="Iain",
        surname="Campbel",
        recorded_by="Rotherham",
        home="Glasgow City",
        date_of_birth=date(1975, 2, 3),
    )
    form = await client.get(f"/drivers/{driver.public}/change")

    saved = await post_form(
        client,
        f"/drivers/{driver.public}/change",
        {
            "forenames": "Iain",
            "surname": "Campbell",
            **day(date(1975, 2, 3), "date_of_birth"),
            "home_authority": re.search(r'<option value="(S\d+)" selected', form.text).group(1),
        },
    )

    assert saved.status_code == 303
    assert (
        await conn.fetchval(
            "SELECT h.name FROM driver d JOIN authority h ON h.id = "
            "d.home_authority_id WHERE d.id = $1",
            driver,
        )
        == "Glasgow City"
    )


async def test_the_driver_change_form_sent_wrong_names_each_field_and_changes_nothing(
    client, conn, rotherham
):
    driver = await make_driver(conn, recorded_by="Rotherham")
    before = await counts(conn)

    wrong = await post_form(
        client,
        f"/drivers/{driver.public}/change",
        {
            "forenames": "",
            "surname": "",
            "ni_number": "not an NI number",
            "home_authority": "E99999999",
            **day(london_today() + timedelta(days=10), "date_of_birth"),
        },
    )

    assert wrong.status_code == 400
    assert {"forenames", "surname", "date_of_birth-day", "ni_number", "home_authority"} <= set(
        summary_links(wrong.text)
    )
    assert await counts(conn) == before


async def test_an_identifier_cleared_on_the_change_page_is_removed_but_a_cleared_birth_date_is_refused(
    client, conn, rotherham
):
    driver = await make_driver(
        conn, recorded_by="Rotherham", ni_number="AB123456C", postcode="S60 1AE"
    )
    kept = {"forenames": "Stephen", "surname": "Walker", "sex": "M"}

    cleared = await post_form(
        client,
        f"/drivers/{driver.public}/change",
        {**kept, **day(date(1980, 5, 17), "date_of_birth")},
    )
    no_birth_date = await post_form(client, f"/drivers/{driver.public}/change", kept)

    assert cleared.status_code == 303
    row = await conn.fetchrow(
        "SELECT ni_number, postcode, date_of_birth FROM driver WHERE id = $1", driver
    )
    assert tuple(row) == (None, None, date(1980, 5, 17))
    assert no_birth_date.status_code == 400
    assert summary_links(no_birth_date.text) == ["date_of_birth-day"]
    assert await conn.fetchval("SELECT date_of_birth FROM driver WHERE id = $1", driver) == date(
        1980, 5, 17
    )


async def test_the_name_form_empty_and_wrong(client, conn, rotherham):
    driver = await make_driver(conn, recorded_by="Rotherham")
    before = await counts(conn)

    empty = await post_form(client, f"/drivers/{driver.public}/names/new", {})
    wrong = await post_form(
        client,
        f"/drivers/{driver.public}/names/new",
        {
            "kind": "nickname",
            "forenames": "Al",
            "surname": "X" * 200,
            **day(london_today() + timedelta(days=3), "date_of_birth"),
        },
    )

    assert empty.status_code == 400 and summary_links(empty.text) == [
        "kind",
        "forenames",
        "surname",
    ]
    assert wrong.status_code == 400
    assert {"kind", "surname", "date_of_birth-day"} <= set(summary_links(wrong.text))
    assert await counts(conn) == before


async def test_the_licence_form_empty_and_wrong(client, conn, rotherham):
    driver_id = await make_driver(conn)
    path = f"/drivers/{driver_id.public}/licences/new"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == ["licence_number", "kind", "granted_on-day"]
    today = london_today()
    wrong = await post_form(
        client,
        path,
        {
            "licence_number": "X" * 41,
            "kind": "bus",
            **day(today, "granted_on"),
            "starts_on-day": "40",
            "starts_on-month": "1",
            "starts_on-year": "2026",
            **day(today + timedelta(days=5 * 365), "expires_on"),
        },
    )
    assert wrong.status_code == 400
    assert summary_links(wrong.text) == [
        "licence_number",
        "kind",
        "starts_on-day",
        "expires_on-day",
    ]
    assert await counts(conn) == before


async def test_the_licence_change_form_empty_and_wrong(client, conn, rotherham):
    driver_id = await make_driver(conn)
    licence_id = await make_licence(conn, driver_id, authority="Rotherham")
    path = f"/licences/{licence_id}/change"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == ["action"]
    wrong = await post_form(
        client, path, {"action": "reinstated", "effective_on-day": "1", "effective_on-year": "2026"}
    )
    assert summary_links(wrong.text) == ["effective_on-month"]
    assert "must include a month" in wrong.text
    conflict = await post_form(client, path, {"action": "reinstated"})
    assert summary_links(conflict.text) == ["action"]
    assert await counts(conn) == before
    done = await post_form(client, path, {"action": "suspended"})
    assert done.status_code == 303
    assert (
        await conn.fetchval("SELECT status FROM licence WHERE id = $1", licence_id) == "suspended"
    )


async def test_another_authority_licence_cannot_be_changed(client, conn, rotherham):
    driver_id = await make_driver(conn)
    licence_id = await make_licence(conn, driver_id, authority="Sheffield")
    response = await client.get(f"/licences/{licence_id}/change")
    assert response.status_code == 404


async def test_the_register_decision_form_empty_and_wrong(client, conn, rotherham):
    driver_id = await make_driver(conn)
    path = f"/drivers/{driver_id.public}/entries/new"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == ["decision", "licence_kind", "decided_on-day", "categories"]
    tomorrow = london_today() + timedelta(days=1)
    wrong = await post_form(
        client,
        path,
        {
            "decision": "refused",
            "licence_id": "99999",
            "licence_kind": "private_hire",
            **day(tomorrow, "decided_on"),
            "categories": ["sexual_offence", "gossip"],
        },
    )
    assert wrong.status_code == 400
    assert summary_links(wrong.text) == ["licence_id", "decided_on-day", "categories"]
    assert await counts(conn) == before
    done = await post_form(
        client,
        path,
        {
            "decision": "refused",
            "licence_kind": "private_hire",
            **day(london_today(), "decided_on"),
            "categories": ["harassment", "road_safety"],
            "narrative": "Two complaints.",
        },
    )
    assert done.status_code == 303
    assert await conn.fetchval("SELECT categories FROM register_entry") == [
        "harassment",
        "road_safety",
    ]


async def test_the_entry_change_form_empty_and_wrong(client, conn, rotherham):
    driver_id = await make_driver(conn)
    entry_id = await make_entry(conn, driver_id, authority="Rotherham")
    path = f"/entries/{entry_id}/change"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == ["status", "reason"]
    wrong = await post_form(
        client,
        path,
        {
            "status": "in_force",
            "reason": "Still in force",
            **day(london_today() + timedelta(days=3), "changed_on"),
        },
    )
    assert summary_links(wrong.text) == ["changed_on-day"]
    assert await counts(conn) == before


async def test_the_concern_form_empty_and_wrong(client, conn, rotherham):
    driver_id = await make_driver(conn)
    await make_licence(conn, driver_id, authority="Sheffield")
    path = f"/drivers/{driver_id.public}/concerns/new"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == [
        "recipient_authority",
        "categories",
        "narrative",
        "became_aware_on-day",
    ]
    wrong = await post_form(
        client,
        path,
        {
            "recipient_authority": "E08000018",
            "categories": "harm",
            "narrative": "Seen",
            **day(london_today() + timedelta(days=2), "became_aware_on"),
        },
    )
    assert summary_links(wrong.text) == ["recipient_authority", "became_aware_on-day"]
    assert await counts(conn) == before
    done = await post_form(
        client,
        path,
        {
            "recipient_authority": "E08000019",
            "categories": "harm",
            "narrative": "Assault reported",
            **day(london_today(), "became_aware_on"),
        },
    )
    assert done.status_code == 303
    assert "Your report has been sent" in (await client.get(done.headers["location"])).text


async def test_the_information_request_and_its_answer(client, conn, rotherham, app_settings):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app

    driver_id = await make_driver(conn)
    await make_licence(conn, driver_id, authority="Rotherham")  # a reason to know the driver
    entry_id = await make_entry(conn, driver_id, authority="Sheffield", narrative="Details here")
    path = f"/entries/{entry_id}/requests/new"
    before = await counts(conn)
    empty = await post_form(client, path, {})
    assert summary_links(empty.text) == ["case_reference"]
    wrong = await post_form(
        client,
        path,
        {
            "case_reference": "R" * 61,
            "requested_on-day": "x",
            "requested_on-month": "1",
            "requested_on-year": "2026",
        },
    )
    assert summary_links(wrong.text) == ["case_reference", "requested_on-day"]
    assert await counts(conn) == before
    made = await post_form(client, path, {"case_reference": "ROT/2026/1", "reason": "Renewal"})
    assert made.status_code == 303
    request_path = made.headers["location"].split("?")[0]
    inbox = await client.get("/requests")
    assert "ROT/2026/1" in inbox.text and "20 working days left" in inbox.text

    sheffield = await make_account(conn, authority="Sheffield", name="Sam Sheffield")
    async with AsyncTestClient(app=create_app(app_settings)) as other:
        other.follow_redirects = False
        await sign_in(other, sheffield)
        before = await counts(conn)
        empty = await post_form(other, request_path, {})
        assert summary_links(empty.text) == ["status", "response"]
        assert await counts(conn) == before
        answered = await post_form(
            other, request_path, {"status": "granted", "response": "Revoked after a conviction."}
        )
        assert answered.status_code == 303
    shown = await client.get(request_path)
    assert "Revoked after a conviction." in shown.text and "Information given" in shown.text


async def test_every_form_refuses_a_post_without_the_session_token(client, conn, rotherham):
    driver_id = await make_driver(conn)
    before = await counts(conn)
    for path in (
        "/drivers/new",
        f"/drivers/{driver_id.public}/licences/new",
        f"/drivers/{driver_id.public}/entries/new",
        f"/drivers/{driver_id.public}/concerns/new",
    ):
        response = await client.post(path, data={"forenames": "X"})
        assert response.status_code == 403, path
    assert await counts(conn) == before


async def test_the_concern_reply_form_empty_and_wrong(client, conn, app_settings):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app

    driver_id = await make_driver(conn)
    await make_licence(conn, driver_id, authority="Rotherham")
    sheffield = await make_account(conn, authority="Sheffield")
    async with AsyncTestClient(app=create_app(app_settings)) as other:
        other.follow_redirects = False
        await sign_in(other, sheffield)
        reported = await post_form(
            other,
            f"/drivers/{driver_id.public}/concerns/new",
            {
                "recipient_authority": "E08000018",
                "categories": "road_safety",
                "narrative": "Speeding with passengers",
                **day(london_today(), "became_aware_on"),
            },
        )
        concern_path = reported.headers["location"].split("?")[0]
    rotherham = await make_account(conn, name="Rita Rotherham")
    await sign_in(client, rotherham)
    before = await counts(conn)
    empty = await post_form(client, concern_path, {})
    assert empty.status_code == 400 and summary_links(empty.text) == ["decision"]
    wrong = await post_form(
        client,
        concern_path,
        {
            "decision": "ignored",
            "reply_on-day": "1",
            "reply_on-month": "13",
            "reply_on-year": "2026",
        },
    )
    assert summary_links(wrong.text) == ["decision", "reply_on-day"]
    assert await counts(conn) == before
    done = await post_form(
        client, concern_path, {"decision": "suspended", "reason": "Pending review"}
    )
    assert done.status_code == 303
    assert "Suspended" in (await client.get(concern_path)).text


async def test_the_request_answer_sent_wrong_writes_nothing(client, conn, rotherham):
    driver_id = await make_driver(conn)
    entry_id = await make_entry(conn, driver_id, authority="Rotherham")
    request_id = await make_request(conn, entry_id, requester="Sheffield", case_reference="SHF/1")
    before = await counts(conn)
    wrong = await post_form(
        client,
        f"/requests/{request_id}",
        {
            "status": "maybe",
            "response": "x" * 10001,
            **day(london_today() + timedelta(days=1), "responded_on"),
        },
    )
    assert wrong.status_code == 400
    assert summary_links(wrong.text) == ["status", "response", "responded_on-day"]
    assert await counts(conn) == before
