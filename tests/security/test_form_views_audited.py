"""Attack story: an officer who once searched for a driver keeps their public id and, months
later, opens the forms addressed by it (change their details, grant a licence, record a
decision, report a concern, add a name, propose a change), each showing the driver's name and
date of birth, hoping no one sees them reading.

Nothing is refused (an officer may act on a driver their search found long ago), but every
showing of such a form leaves a 'view' row in the audit log naming the officer, their
authority, the driver and the form, and nothing more: the data protection officer sees each
one. A form sent back with errors shows the driver again and is audited again; a form saved
and left shows nothing and adds only its change's row.
"""

from __future__ import annotations

from tests.factories import make_concern, make_driver, make_entry
from tests.pages.conftest import csrf_of, make_account, post_form, signed_in

FORMS = ("change", "licences/new", "entries/new", "concerns/new", "names/new", "propose")

FORM_VIEWS = """
SELECT user_id, authority_id, driver_id, subject, detail::text AS detail, purpose,
       case_reference
FROM audit_log WHERE action = 'view' AND subject LIKE 'form:%' ORDER BY id
"""


async def test_an_officer_opening_the_forms_about_a_driver_is_audited_each_time(db_url, conn):
    driver = await make_driver(
        conn, forenames="Stephen", surname="Walker", recorded_by="Sheffield", postcode="S1 2AB"
    )
    await make_entry(conn, driver, authority="Sheffield", decision="revoked")
    bolton = await make_account(conn, authority="Bolton", name="Bob Bolton")

    async with signed_in(db_url, bolton) as client:
        opened = [await client.get(f"/drivers/{driver.public}/{form}") for form in FORMS]
        again = await post_form(
            client, f"/drivers/{driver.public}/names/new", {"kind": "alias"}
        )  # the GET it is sent from, then the form shown again with its errors
    rows = [dict(row) for row in await conn.fetch(FORM_VIEWS)]
    dpo = await make_account(conn, role="dpo", authority="Bolton")
    async with signed_in(db_url, dpo) as client:
        audit_page = await client.get("/audit", params={"action": "view"})

    assert [page.status_code for page in opened] == [200] * len(FORMS)
    assert all("Walker" in page.text for page in opened)
    assert again.status_code == 400 and "Walker" in again.text
    assert [row["subject"] for row in rows] == [
        *(f"form:/drivers/{{driver_id}}/{form}" for form in FORMS),
        "form:/drivers/{driver_id}/names/new",
        "form:/drivers/{driver_id}/names/new",
    ]
    assert {(r["user_id"], r["authority_id"], r["driver_id"]) for r in rows} == {
        (bolton["id"], bolton["authority_id"], driver)
    }
    # the driver is named by id alone: no name, date of birth or postcode in the rows
    for row in rows:
        said = " ".join(str(value) for value in row.values())
        assert not {"Stephen", "Walker", "1980", "S1 2AB"} & set(said.replace(",", " ").split())
        assert row["detail"] == "{}" and row["purpose"] is None
    # Bolton's data protection officer finds them among the reading of personal data
    assert audit_page.status_code == 200
    assert audit_page.text.count("form:/drivers/{driver_id}/") == len(rows)
    assert audit_page.text.count(f"driver {driver.public}") == len(rows)


async def test_a_form_saved_adds_its_change_and_no_view_of_its_own(db_url, conn):
    driver = await make_driver(conn, recorded_by="Sheffield")
    sheffield = await make_account(conn, authority="Sheffield")
    views = "SELECT count(*) FROM audit_log WHERE action = 'view' AND driver_id = $1"

    async with signed_in(db_url, sheffield) as client:
        shown = await client.get(f"/drivers/{driver.public}/names/new")
        saved = await client.post(
            f"/drivers/{driver.public}/names/new",
            data={
                "csrf_token": csrf_of(shown.text),
                "kind": "alias",
                "forenames": "Steve",
                "surname": "Walker",
            },
        )

    assert saved.status_code == 303
    assert await conn.fetchval(views, driver) == 1
    changes = await conn.fetch(
        "SELECT detail ->> 'what' AS what FROM audit_log WHERE action = 'change' AND driver_id = $1",
        driver,
    )
    assert [row["what"] for row in changes] == ["driver_name_added"]


async def test_a_concern_sent_back_with_errors_is_audited_as_its_opening_is(db_url, conn):
    # the concern's narrative is shown again with the errors of a reply sent wrong: that
    # showing is a reading of it too
    driver = await make_driver(conn, recorded_by="Sheffield")
    concern = await make_concern(conn, driver, reporter="Rotherham", recipient="Sheffield")
    sheffield = await make_account(conn, authority="Sheffield")
    views = "SELECT count(*) FROM audit_log WHERE action = 'view' AND subject = $1"

    async with signed_in(db_url, sheffield) as client:
        wrong = await post_form(client, f"/concerns/{concern}", {"reason": "x"})

    assert wrong.status_code == 400
    assert await conn.fetchval(views, f"concern:{concern}") == 2  # the opening, the showing again
