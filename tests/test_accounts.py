"""Accounts and API tokens: created by administrators (API or command line), shown once,
kept as hashes, expiring and revocable; and logs that never carry personal data."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.auth import create_token, hash_token
from licensing.cli import main
from licensing.db import connect
from licensing.settings import load
from registry import accounts
from registry.accounts import AccountError
from tests.conftest import SERVICE_PASSWORD_HASHER
from tests.factories import authority_id, make_user


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


@pytest.fixture
async def admin(conn):
    return await make_user(conn, role="admin", authority=None, name="Ada Admin")


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


# Accounts ----------------------------------------------------------------------------------


async def test_an_officer_account_belongs_to_a_licensing_authority(conn):
    user = await accounts.create_user(
        conn,
        email="ann@rotherham.gov.uk",
        display_name="Ann",
        role="licensing_officer",
        authority_code="E08000018",
    )
    assert (user.authority_name, user.active) == ("Rotherham", True)


async def test_an_account_with_wrong_details_is_refused_naming_each_field(conn):
    with pytest.raises(AccountError) as refused:
        await accounts.create_user(
            conn, email="not-an-email", display_name="", role="chief", password="short"
        )
    assert {f for f, _ in refused.value.errors} == {"email", "display_name", "role", "password"}


@pytest.mark.parametrize(
    ("role", "code", "wrong"),
    [
        ("licensing_officer", None, "authority_code"),  # officers belong to an authority
        ("dpo", "S12000036", "authority_code"),  # a Scottish council licenses no drivers here
        ("dft_analyst", "E08000018", "authority_code"),  # DfT belongs to no authority
        ("admin", "E08000018", "authority_code"),
        ("licensing_officer", "E99999999", "authority_code"),
    ],
)
async def test_the_authority_is_required_for_officers_and_forbidden_for_others(
    conn, role, code, wrong
):
    with pytest.raises(AccountError) as refused:
        await accounts.create_user(
            conn, email="x@example.gov.uk", display_name="X", role=role, authority_code=code
        )
    assert [f for f, _ in refused.value.errors] == [wrong]


async def test_two_accounts_cannot_share_an_email(conn):
    await accounts.create_user(conn, email="ann@example.gov.uk", display_name="Ann", role="admin")
    with pytest.raises(AccountError) as refused:
        await accounts.create_user(
            conn, email="ANN@example.gov.uk", display_name="Ann", role="admin"
        )
    assert refused.value.errors[0][0] == "email"


async def test_a_password_signs_in_only_its_own_active_account(conn):
    user = await accounts.create_user(
        conn,
        email="bea@bolton.gov.uk",
        display_name="Bea",
        role="dpo",
        authority_code="E08000001",
        password="correct horse battery",
    )
    stored = await conn.fetchval("SELECT password_hash FROM app_user WHERE id = $1", user.id)

    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert (
        await accounts.verify_password(conn, "bea@bolton.gov.uk", "correct horse battery")
    ).id == user.id
    assert await accounts.verify_password(conn, "bea@bolton.gov.uk", "wrong horse battery") is None
    assert (
        await accounts.verify_password(conn, "nobody@bolton.gov.uk", "correct horse battery")
        is None
    )
    await accounts.deactivate_user(conn, user.id)
    assert (
        await accounts.verify_password(conn, "bea@bolton.gov.uk", "correct horse battery") is None
    )


def test_the_service_hashes_passwords_at_argon2s_recommended_cost():
    # the suite hashes at argon2's lowest cost (tests/conftest.py); the service keeps this one
    stored = SERVICE_PASSWORD_HASHER.hash("correct horse battery")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert SERVICE_PASSWORD_HASHER.verify(stored, "correct horse battery")


async def test_a_password_stored_at_another_cost_is_stored_again_at_the_current_one(conn):
    user = await accounts.create_user(
        conn,
        email="cal@bolton.gov.uk",
        display_name="Cal",
        role="dpo",
        authority_code="E08000001",
        password="correct horse battery",
    )
    older = SERVICE_PASSWORD_HASHER.hash("correct horse battery")
    await conn.execute("UPDATE app_user SET password_hash = $2 WHERE id = $1", user.id, older)

    assert (
        await accounts.verify_password(conn, "cal@bolton.gov.uk", "correct horse battery")
    ).id == user.id
    stored = await conn.fetchval("SELECT password_hash FROM app_user WHERE id = $1", user.id)
    assert stored != older and not accounts._hasher.check_needs_rehash(stored)
    assert (
        await accounts.verify_password(conn, "cal@bolton.gov.uk", "correct horse battery")
    ).id == user.id


# Tokens ------------------------------------------------------------------------------------


async def test_an_admin_issues_a_token_that_is_shown_once_and_kept_only_as_a_hash(
    client, conn, admin
):
    officer = await make_user(conn, authority="Bolton")
    issued = await client.post(
        f"/api/v1/users/{officer['id']}/tokens",
        json={"label": "case system", "days": 30},
        headers=admin["headers"],
    )
    token = issued.json()["token"]
    listed = await client.get(f"/api/v1/users/{officer['id']}/tokens", headers=admin["headers"])
    stored = await conn.fetchval(
        "SELECT token_hash FROM api_token WHERE id = $1", issued.json()["id"]
    )
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    again = await client.get(issued.headers["location"], headers=admin["headers"])

    assert issued.status_code == 201
    assert stored == hash_token(token)
    assert token not in listed.text and "hash" not in listed.text
    assert again.json()["label"] == "case system" and token not in again.text
    assert {t["label"] for t in listed.json()} == {"test", "case system"}
    assert me.json()["authority"] == {"code": "E08000001", "name": "Bolton"}


async def test_a_revoked_token_stops_working_at_once(client, conn, admin):
    officer = await make_user(conn, authority="Bolton")
    token_id = await conn.fetchval("SELECT id FROM api_token WHERE user_id = $1", officer["id"])
    assert (await client.get("/api/v1/me", headers=officer["headers"])).status_code == 200

    revoked = await client.post(f"/api/v1/tokens/{token_id}/revocation", headers=admin["headers"])

    assert revoked.json()["revoked_at"] is not None
    assert (await client.get("/api/v1/me", headers=officer["headers"])).status_code == 401


async def revoked_from_another_instance(conn, user_id: int) -> None:
    # as `crosscheck token revoke` or a second instance of the service would: not through
    # this instance, which therefore has no chance to forget the token at once
    await conn.execute("UPDATE api_token SET revoked_at = now() WHERE user_id = $1", user_id)


@pytest.mark.parametrize("seconds", [30, 0])
async def test_a_token_revoked_elsewhere_is_trusted_here_for_at_most_the_cache_seconds(
    db_url, conn, seconds
):
    officer = await make_user(conn, authority="Bolton")
    app = create_app(
        load(
            {
                "DATABASE_URL": db_url,
                "CROSSCHECK_SCHEDULER": "false",
                "TOKEN_CACHE_SECONDS": str(seconds),
            }
        )
    )
    # the cache's seconds pass when the test says, not while a busy machine stalls
    cache, passed = app.state.token_cache, 0.0
    cache.clock = lambda: passed
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/api/v1/me", headers=officer["headers"])).status_code == 200
        await revoked_from_another_instance(conn, officer["id"])
        at_once = (await client.get("/api/v1/me", headers=officer["headers"])).status_code
        passed = float(seconds)  # the cache seconds are up
        later = (await client.get("/api/v1/me", headers=officer["headers"])).status_code

    assert at_once == (200 if seconds else 401)
    assert later == 401


async def test_an_expired_token_is_refused(client, conn):
    officer = await make_user(conn, authority="Bolton")
    _, token = await create_token(conn, officer["id"], "short-lived", timedelta(days=1))
    await conn.execute(
        "UPDATE api_token SET created_at = now() - interval '3 days', "
        "expires_at = now() - interval '1 day' WHERE label = 'short-lived'"
    )
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401


async def test_last_use_is_recorded_but_not_on_every_request(client, conn):
    officer = await make_user(conn, authority="Bolton")
    last_used = "SELECT last_used_at FROM api_token WHERE user_id = $1"
    assert await conn.fetchval(last_used, officer["id"]) is None

    await client.get("/api/v1/me", headers=officer["headers"])
    first = await conn.fetchval(last_used, officer["id"])
    await client.get("/api/v1/me", headers=officer["headers"])

    assert first is not None
    assert await conn.fetchval(last_used, officer["id"]) == first


async def test_a_deactivated_account_loses_its_tokens(client, conn, admin):
    officer = await make_user(conn, authority="Bolton")
    response = await client.post(
        f"/api/v1/users/{officer['id']}/deactivation", headers=admin["headers"]
    )

    assert response.status_code == 200 and response.json()["active"] is False
    assert (await client.get("/api/v1/me", headers=officer["headers"])).status_code == 401
    assert await conn.fetchval(
        "SELECT bool_and(revoked_at IS NOT NULL) FROM api_token WHERE user_id = $1", officer["id"]
    )
    again = await client.post(
        f"/api/v1/users/{officer['id']}/tokens", json={"label": "x"}, headers=admin["headers"]
    )
    assert again.status_code == 409


async def test_an_admin_cannot_deactivate_themselves(client, admin):
    response = await client.post(
        f"/api/v1/users/{admin['id']}/deactivation", headers=admin["headers"]
    )
    assert response.status_code == 409


# Users and authorities through the API -----------------------------------------------------


async def test_an_admin_creates_and_lists_accounts(client, admin):
    created = await client.post(
        "/api/v1/users",
        headers=admin["headers"],
        json={
            "email": "dee@bolton.gov.uk",
            "display_name": "Dee",
            "role": "dpo",
            "authority_code": "E08000001",
        },
    )
    bolton = await client.get(
        "/api/v1/users", params={"authority": "E08000001"}, headers=admin["headers"]
    )

    shown = await client.get(created.headers["location"], headers=admin["headers"])

    assert created.status_code == 201
    assert created.json()["authority_name"] == "Bolton"
    assert [u["email"] for u in bolton.json()["items"]] == ["dee@bolton.gov.uk"]
    assert shown.json() == created.json()


async def test_a_wrong_new_account_is_answered_with_each_field_named(client, admin):
    response = await client.post(
        "/api/v1/users",
        headers=admin["headers"],
        json={"email": "dee", "display_name": "", "role": "dpo"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert fields(response) == {"email", "display_name", "authority_code"}
    assert "dee" not in response.text.replace("dee@", "")  # the values given are not echoed


async def test_ids_beyond_the_databases_range_are_simply_not_found(client, admin):
    for path in ("/api/v1/users/99999999999/tokens", "/api/v1/users/-1/tokens"):
        assert (await client.get(path, headers=admin["headers"])).status_code == 404
    assert (
        await client.post(
            "/api/v1/tokens/99999999999999999999/revocation", headers=admin["headers"]
        )
    ).status_code == 404


async def test_everyone_signed_in_reads_the_authorities(client, conn):
    analyst = await make_user(conn, role="dft_analyst", authority=None)
    response = await client.get(
        "/api/v1/authorities", params={"licenses_drivers": "true"}, headers=analyst["headers"]
    )
    names = {a["name"] for a in response.json()}
    assert len(names) == 286 and "Rotherham" in names and "Glasgow City" not in names


async def test_an_admin_sets_an_authoritys_alert_settings_and_the_change_is_audited(
    client, conn, admin
):
    response = await client.patch(
        "/api/v1/authorities/E08000001",
        headers=admin["headers"],
        json={
            "alert_email": "licensing@bolton.gov.uk",
            "alert_delivery": "digest",
            "digest_time": "07:30",
            "alert_identity": True,
        },
    )
    cleared = await client.patch(
        "/api/v1/authorities/E08000001", headers=admin["headers"], json={"alert_email": None}
    )
    audited = await conn.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'authority_updated' AND authority_id = $1",
        await authority_id(conn, "Bolton"),
    )

    assert response.json() == {
        "code": "E08000001",
        "name": "Bolton",
        "alert_email": "licensing@bolton.gov.uk",
        "alert_delivery": "digest",
        "digest_time": "07:30",
        "information_contact": response.json()["information_contact"],
        "alert_identity": True,
        "dpo_email": None,
    }
    assert cleared.json()["alert_email"] is None and cleared.json()["alert_delivery"] == "digest"
    assert audited == 2


async def test_wrong_alert_settings_are_refused(client, admin):
    bad_email = await client.patch(
        "/api/v1/authorities/E08000001", headers=admin["headers"], json={"alert_email": "licensing"}
    )
    bad_time = await client.patch(
        "/api/v1/authorities/E08000001", headers=admin["headers"], json={"digest_time": "25:00"}
    )
    unknown = await client.patch("/api/v1/authorities/E00000000", headers=admin["headers"], json={})

    assert bad_email.status_code == 422 and fields(bad_email) == {"alert_email"}
    assert bad_time.status_code == 400 and fields(bad_time) == {"digest_time"}
    assert unknown.status_code == 404


# Logs ----------------------------------------------------------------------------------------


async def test_request_logs_name_the_route_never_the_values_sent(client, conn, caplog):
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    with caplog.at_level(logging.INFO, logger="crosscheck"):
        await client.get(
            "/api/v1/audit", params={"action": "Walker-1980-05-17"}, headers=dpo["headers"]
        )
        await client.get("/api/v1/users/424242/tokens", headers=dpo["headers"])
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("crosscheck")]

    assert any(line.startswith("GET /api/v1/audit 200 ") for line in lines)
    assert any(line.startswith("GET /api/v1/users/{user_id}/tokens 403 ") for line in lines)
    assert not any("Walker" in line or "424242" in line for line in lines)


# The command line ----------------------------------------------------------------------------


def crosscheck(db_url: str, *args: str, input: str | None = None):
    return CliRunner().invoke(
        main, list(args), input=input, env={"DATABASE_URL": db_url}, catch_exceptions=False
    )


def test_the_command_line_creates_lists_and_deactivates_accounts(db_url):
    created = crosscheck(
        db_url,
        "user",
        "create",
        "--email",
        "ola@bolton.gov.uk",
        "--name",
        "Ola",
        "--role",
        "licensing_officer",
        "--authority",
        "E08000001",
        "--password-stdin",
        input="a long enough password\n",
    )
    listed = crosscheck(db_url, "user", "list", "--authority", "E08000001")
    gone = crosscheck(db_url, "user", "deactivate", "--email", "ola@bolton.gov.uk")
    relisted = crosscheck(db_url, "user", "list")

    assert created.exit_code == 0, created.output
    assert "ola@bolton.gov.uk" in listed.output and "active" in listed.output
    assert gone.exit_code == 0
    assert "deactivated" in relisted.output


def test_the_command_line_issues_lists_and_revokes_tokens(db_url):
    crosscheck(
        db_url,
        "user",
        "create",
        "--email",
        "bot@dft.gov.uk",
        "--name",
        "Stats",
        "--role",
        "dft_analyst",
    )
    issued = crosscheck(
        db_url,
        "token",
        "create",
        "--email",
        "bot@dft.gov.uk",
        "--label",
        "stats job",
        "--days",
        "90",
    )
    token = issued.stdout.strip()
    listed = crosscheck(db_url, "token", "list", "--email", "bot@dft.gov.uk")
    token_id = listed.output.splitlines()[1].split()[0]
    revoked = crosscheck(db_url, "token", "revoke", "--id", token_id)
    relisted = crosscheck(db_url, "token", "list", "--email", "bot@dft.gov.uk")

    assert issued.exit_code == 0 and token.startswith("cc_")
    assert "stats job" in listed.output and token not in listed.output
    assert revoked.exit_code == 0
    assert relisted.output.splitlines()[1].endswith("revoked")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("user", "create", "--email", "x@y.gov.uk", "--name", "X", "--role", "dpo"),
            "--authority",
        ),
        (("user", "create", "--email", "bad", "--name", "X", "--role", "admin"), "--email"),
        (("user", "deactivate", "--email", "nobody@y.gov.uk"), "no account"),
        (("token", "create", "--email", "nobody@y.gov.uk", "--label", "x"), "no account"),
        (
            ("token", "create", "--email", "nobody@y.gov.uk", "--label", "x", "--days", "0"),
            "--days",
        ),
        (("token", "revoke", "--id", "99999999999"), "no token"),
    ],
)
def test_the_command_line_explains_bad_input_in_one_line(db_url, args, message):
    result = crosscheck(db_url, *args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output


def test_the_demo_creates_its_accounts_once_and_prints_no_password(db_url, monkeypatch):
    from licensing.cli_accounts import DEMO_ACCOUNTS, DEMO_PASSWORD_ENV, demo_accounts_step

    monkeypatch.setenv(DEMO_PASSWORD_ENV, "a secret demo phrase")
    settings = load({"DATABASE_URL": db_url})
    first = demo_accounts_step(settings)
    second = demo_accounts_step(settings)
    text = "\n".join(second)

    assert all(email in text for email, *_ in DEMO_ACCOUNTS)
    assert "a secret demo phrase" not in "\n".join(first + second)
    assert DEMO_PASSWORD_ENV in text
    assert first != second  # fresh tokens each start; the old ones are revoked
    assert asyncio.run(_signs_in(db_url, DEMO_ACCOUNTS[0][0], "a secret demo phrase"))


async def _signs_in(db_url: str, email: str, password: str) -> bool:
    conn = await connect(db_url)
    try:
        return await accounts.verify_password(conn, email, password) is not None
    finally:
        await conn.close()


async def test_account_and_token_changes_are_in_the_audit_log_without_personal_data(
    client, conn, admin
):
    created = (
        await client.post(
            "/api/v1/users",
            headers=admin["headers"],
            json={
                "email": "ola@bolton.gov.uk",
                "display_name": "Ola Nordmann",
                "role": "licensing_officer",
                "authority_code": "E08000001",
            },
        )
    ).json()
    token = (
        await client.post(
            f"/api/v1/users/{created['id']}/tokens",
            headers=admin["headers"],
            json={"label": "import"},
        )
    ).json()
    await client.post(f"/api/v1/tokens/{token['id']}/revocation", headers=admin["headers"])
    await client.post(f"/api/v1/users/{created['id']}/deactivation", headers=admin["headers"])
    rows = await conn.fetch(
        "SELECT action, user_id, authority_id, subject, detail::text FROM audit_log ORDER BY id"
    )

    assert [r["action"] for r in rows] == [
        "user_created",
        "token_issued",
        "token_revoked",
        "user_deactivated",
    ]
    assert {r["user_id"] for r in rows} == {admin["id"]}
    assert {r["authority_id"] for r in rows} == {await authority_id(conn, "Bolton")}
    assert not any("Ola" in str(dict(r)) or "ola@" in str(dict(r)) for r in rows)
