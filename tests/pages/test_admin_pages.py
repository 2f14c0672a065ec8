"""Administrators manage accounts and alert mailboxes; a DPO reads the audit log."""

from __future__ import annotations

import re

from registry import audit_log
from registry.actor import Actor, acting
from registry.today import london_today
from tests.pages.conftest import make_account, post_form, sign_in


async def test_an_administrator_adds_an_officer_who_can_then_sign_in(client, conn):
    admin = await make_account(conn, role="admin", authority=None, name="Ada Admin")
    await sign_in(client, admin)
    response = await post_form(
        client,
        "/admin/users/new",
        {
            "display_name": "Omar Officer",
            "email": "omar@rotherham.gov.uk",
            "role": "licensing_officer",
            "authority_code": "E08000018",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 303
    listing = await client.get("/admin/users?done=created")
    assert "Omar Officer" in listing.text and "The account has been created" in listing.text
    await post_form(client, "/sign-out", {}, from_path="/")
    await sign_in(client, {"email": "omar@rotherham.gov.uk", "password": "a long enough password"})
    assert "Signed in as Omar Officer, Rotherham" in (await client.get("/")).text


async def test_the_new_user_form_sent_empty_or_wrong_names_every_field_and_writes_nothing(
    client, conn
):
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    before = await conn.fetchval("SELECT count(*) FROM app_user")
    empty = await post_form(client, "/admin/users/new", {})
    assert empty.status_code == 400
    for field in ("display_name", "email", "role"):
        assert f'href="#{field}"' in empty.text, field
    wrong = await post_form(
        client,
        "/admin/users/new",
        {
            "display_name": "X",
            "email": "not-an-email",
            "role": "dft_analyst",
            "authority_code": "E08000018",
            "password": "short",
        },
    )
    assert wrong.status_code == 400
    for field in ("email", "authority_code", "password"):
        assert f'href="#{field}"' in wrong.text, field
    assert "govuk-error-summary" in wrong.text
    assert await conn.fetchval("SELECT count(*) FROM app_user") == before


async def test_a_deactivated_officer_is_signed_out_at_once(client, conn, app_settings):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app

    officer = await make_account(conn)
    admin = await make_account(conn, role="admin", authority=None)
    async with AsyncTestClient(app=create_app(app_settings)) as officer_client:
        officer_client.follow_redirects = False
        await sign_in(officer_client, officer)
        assert (await officer_client.get("/")).status_code == 200
        await sign_in(client, admin)
        done = await post_form(client, f"/admin/users/{officer['id']}/deactivate", {})
        assert done.headers["location"] == "/admin/users?done=deactivated"
        assert (await officer_client.get("/")).headers["location"] == "/signed-out?expired=1"


async def test_an_administrator_issues_a_token_for_a_councils_system_then_revokes_it(client, conn):
    admin = await make_account(conn, role="admin", authority=None, name="Ada Admin")
    system = await make_account(conn, name="Rotherham case system")
    await sign_in(client, admin)

    issued = await post_form(
        client, f"/admin/users/{system['id']}/tokens/new", {"label": "Idox Uniform", "days": "90"}
    )
    token = re.search(r'id="token" name="token" type="text" value="([^"]+)"', issued.text).group(1)
    bearer = {"Authorization": f"Bearer {token}"}
    listing = await client.get(f"/admin/users/{system['id']}/tokens")
    works = await client.get("/api/v1/me", headers=bearer)
    token_id = await conn.fetchval("SELECT id FROM api_token WHERE label = 'Idox Uniform'")
    revoked = await post_form(
        client,
        f"/admin/users/{system['id']}/tokens/{token_id}/revoke",
        {},
        from_path=f"/admin/users/{system['id']}/tokens",
    )

    assert issued.status_code == 200 and "This is the only time the token is shown" in issued.text
    assert issued.headers["cache-control"] == "no-store"
    assert "Idox Uniform" in listing.text and token not in listing.text
    assert works.status_code == 200 and works.json()["display_name"] == "Rotherham case system"
    assert revoked.headers["location"] == f"/admin/users/{system['id']}/tokens?done=revoked"
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401
    assert "Revoked" in (await client.get(f"/admin/users/{system['id']}/tokens")).text


async def test_the_token_form_sent_empty_or_wrong_names_each_field_and_issues_nothing(client, conn):
    admin = await make_account(conn, role="admin", authority=None)
    system = await make_account(conn, name="Case system")
    await sign_in(client, admin)
    before = await conn.fetchval("SELECT count(*) FROM api_token")
    path = f"/admin/users/{system['id']}/tokens/new"

    empty = await post_form(client, path, {"label": "", "days": "0"})
    wrong = await post_form(client, path, {"label": "x" * 121, "days": "ninety"})

    for response in (empty, wrong):
        assert response.status_code == 400 and "govuk-error-summary" in response.text
        assert 'href="#label"' in response.text and 'href="#days"' in response.text
    assert await conn.fetchval("SELECT count(*) FROM api_token") == before


async def test_an_administrator_sets_an_authority_alert_mailbox_and_digest(client, conn):
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    response = await post_form(
        client,
        "/admin/authorities/E08000018",
        {
            "alert_email": "licensing@rotherham.gov.uk",
            "alert_delivery": "digest",
            "digest_time": "7:30",
            "information_contact": "Licensing team, 01709 000000",
        },
    )
    assert response.status_code == 303
    row = await conn.fetchrow(
        "SELECT alert_email::text, alert_delivery, digest_time::text "
        "FROM authority WHERE code = 'E08000018'"
    )
    assert tuple(row) == ("licensing@rotherham.gov.uk", "digest", "07:30:00")
    listing = await client.get("/admin/authorities")
    assert "Daily digest at 07:30" in listing.text


async def test_the_mailbox_form_sent_wrong_names_each_field_and_changes_nothing(client, conn):
    admin = await make_account(conn, role="admin", authority=None)
    await sign_in(client, admin)
    wrong = await post_form(
        client,
        "/admin/authorities/E08000018",
        {"alert_email": "nobody", "alert_delivery": "hourly", "digest_time": "25:00"},
    )
    assert wrong.status_code == 400
    for field in ("alert_email", "alert_delivery", "digest_time"):
        assert f'href="#{field}"' in wrong.text, field
    empty = await post_form(
        client, "/admin/authorities/E08000018", {}, from_path="/admin/authorities/E08000018"
    )
    assert empty.status_code == 400 and 'href="#alert_delivery"' in empty.text
    assert await conn.fetchval("SELECT alert_email FROM authority WHERE code = 'E08000018'") is None


async def test_a_dpo_reads_and_downloads_their_authority_audit_log(client, conn):
    dpo = await make_account(conn, role="dpo", name="Dee Protection")
    officer = await make_account(conn, name="Sam Searcher")
    rotherham = officer["authority_id"]
    async with acting(conn, Actor(officer["id"], rotherham)):
        await audit_log.record(
            conn,
            action="search",
            user_id=officer["id"],
            authority_id=rotherham,
            purpose="renewal",
            case_reference="ROT-2026-7",
        )
    await sign_in(client, dpo)
    page = await client.get("/audit")
    assert "Sam Searcher" in page.text and "ROT-2026-7" in page.text and "Renewal" in page.text
    csv = await client.get("/audit.csv?action=search")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "ROT-2026-7" in csv.text
    assert await conn.fetchval("SELECT count(*) FROM audit_log WHERE action = 'export'") == 1


async def test_the_audit_filter_with_dates_the_wrong_way_round_says_so(client, conn):
    dpo = await make_account(conn, role="dpo")
    await sign_in(client, dpo)
    today = london_today()
    page = await client.get(
        f"/audit?from-day={today.day}&from-month={today.month}&from-year={today.year}"
        f"&to-day=1&to-month=1&to-year=2020"
    )
    assert page.status_code == 400
    assert 'href="#to-day">The last day must be the same as or after the first day' in page.text


async def test_an_officer_cannot_open_the_administration_pages(client, officer):
    await sign_in(client, officer)
    response = await client.get("/admin/users")
    assert response.status_code == 403 and "You cannot see this page" in response.text
