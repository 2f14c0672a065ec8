"""Two-factor sign-in for the pages: a stolen password opens nothing, a code works once,
guessing codes is slowed like guessing passwords, recovery codes work once and are kept only
as hashes, an administrator's reset is audited and signs the person out, and API tokens carry
on as before."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.cli import main
from licensing.pages import sessions
from licensing.settings import load
from registry import two_factor
from tests.factories import make_user
from tests.pages.conftest import (
    PASSWORD,
    csrf_of,
    make_account,
    post_form,
    second_step,
    sign_in,
    totp_code,
)


@pytest.fixture
async def client(db_url):
    settings = load(
        {"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false", "CROSSCHECK_SECURE_COOKIES": "0"}
    )
    async with AsyncTestClient(app=create_app(settings)) as browser:
        browser.follow_redirects = False
        yield browser


RECOVERY = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>")


async def password_only(client, user: dict):
    form = await client.get("/sign-in")
    response = await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form.text), "email": user["email"], "password": PASSWORD},
    )
    assert response.status_code == 303
    return response


async def give_code(client, code: str):
    page = await client.get("/sign-in/code")
    return await client.post("/sign-in/code", data={"csrf_token": csrf_of(page.text), "code": code})


async def test_a_stolen_password_alone_opens_no_page_and_no_api(client, conn):
    officer = await make_account(conn)
    response = await password_only(client, officer)
    assert response.headers["location"] == "/sign-in/code"
    # pages send the browser back to the code
    assert (await client.get("/")).headers["location"] == "/sign-in/code"
    assert (await client.get("/search")).headers["location"] == "/sign-in/code?next=%2Fsearch"
    assert (await client.get("/api/v1/drivers?limit=1")).status_code == 401
    # what the password left is a session that waits, for minutes, and signs in to nothing
    row = await conn.fetchrow("SELECT awaiting, expires_at - created_at AS lasts FROM web_session")
    assert row["awaiting"] == "code" and row["lasts"] <= sessions.AWAITING


async def test_the_right_code_signs_in_under_a_new_session_value_and_works_once(client, conn):
    officer = await make_account(conn)
    await password_only(client, officer)
    waiting = client.cookies.get("crosscheck")
    code = await totp_code(officer["totp_secret"])
    signed_in = await give_code(client, code)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    assert client.cookies.get("crosscheck") != waiting  # the cookie the password set is dead
    assert "Signed in as Test Officer" in (await client.get("/")).text

    # someone who saw the code (over a shoulder) and has the password cannot use it again
    client.cookies.clear()
    await password_only(client, officer)
    again = await give_code(client, code)
    assert again.status_code == 400
    assert "Enter the code your authenticator app shows now" in again.text
    assert (await client.get("/")).status_code == 303


async def test_guessing_codes_is_slowed_down_like_guessing_passwords(client, conn):
    officer = await make_account(conn)
    await password_only(client, officer)
    statuses = [(await give_code(client, "000000")).status_code for _ in range(6)]
    assert statuses[: sessions.FREE_FAILURES] == [400] * sessions.FREE_FAILURES
    assert 429 in statuses
    # the account now waits, password and all: the password alone never clears the count
    client.cookies.clear()
    form = await client.get("/sign-in")
    refused = await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form.text), "email": officer["email"], "password": PASSWORD},
    )
    assert refused.status_code == 429 and "Retry-After" in refused.headers


async def test_first_sign_in_sets_up_the_app_from_an_inline_qr_code_and_shows_recovery_codes(
    client, conn
):
    admin = await make_account(conn, role="admin", authority=None, two_factor=False)
    response = await password_only(client, admin)
    assert response.headers["location"] == "/sign-in/set-up"
    # nothing opens until it is set up
    assert (await client.get("/admin/users")).headers["location"].startswith("/sign-in/set-up")
    set_up = await client.get("/sign-in/set-up")
    html = set_up.text
    # the QR code is drawn in the page: no image fetched from anywhere, nothing the CSP blocks
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<path" in svg and "style=" not in svg and "http" not in svg
    key = re.search(r'<code class="app-secret-key">([A-Z2-7 ]+)</code>', html).group(1)
    secret = key.replace(" ", "")
    # a wrong code keeps nothing
    wrong = await client.post(
        "/sign-in/set-up", data={"csrf_token": csrf_of(html), "code": "123456"}
    )
    assert wrong.status_code == 400 and "There is a problem" in wrong.text
    assert not (await two_factor.state(conn, admin["id"])).enrolled

    done = await client.post(
        "/sign-in/set-up", data={"csrf_token": csrf_of(html), "code": await totp_code(secret)}
    )
    assert done.status_code == 200
    codes = RECOVERY.findall(done.text)
    assert len(codes) == two_factor.RECOVERY_CODES == len(set(codes))
    assert (await client.get("/admin/users")).status_code == 200
    # kept only as salted hashes
    stored = await conn.fetch("SELECT salt, code_hash FROM recovery_code")
    assert len(stored) == len(codes)
    assert not any(code.encode() in row["code_hash"] for row in stored for code in codes)
    audited = await conn.fetchrow(
        "SELECT user_id, subject, detail FROM audit_log WHERE action = 'two_factor_enrolled'"
    )
    assert audited["user_id"] == admin["id"] and audited["subject"] == f"user:{admin['id']}"
    assert secret not in str(dict(audited)) and codes[0] not in str(dict(audited))


async def test_a_recovery_code_signs_in_once_and_its_use_is_audited(client, conn):
    officer = await make_account(conn)
    codes = await two_factor.enrol(
        conn, officer["id"], officer["totp_secret"], await totp_code(officer["totp_secret"])
    )
    await password_only(client, officer)
    assert (await give_code(client, codes[3].upper().replace("-", " "))).status_code == 303
    audited = await conn.fetchrow(
        "SELECT user_id, detail FROM audit_log WHERE action = 'two_factor_recovery_code_used'"
    )
    assert audited["user_id"] == officer["id"]
    assert audited["detail"] == '{"recovery_codes_left": 9}'

    client.cookies.clear()
    await password_only(client, officer)
    assert (await give_code(client, codes[3])).status_code == 400


async def test_an_administrator_resets_a_lost_authenticator_and_the_person_sets_up_again(
    client, conn, db_url
):
    officer = await make_account(conn)
    admin = await make_account(conn, role="admin", authority=None, name="Ada Admin")
    settings = load(
        {"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false", "CROSSCHECK_SECURE_COOKIES": "0"}
    )
    async with AsyncTestClient(app=create_app(settings)) as officers_browser:
        officers_browser.follow_redirects = False
        await sign_in(officers_browser, officer)
        assert (await officers_browser.get("/")).status_code == 200

        await sign_in(client, admin)
        state = await client.get(f"/admin/users/{officer['id']}/sign-in")
        assert "Reset two-factor sign-in" in state.text
        done = await post_form(
            client,
            f"/admin/users/{officer['id']}/two-factor/reset",
            {},
            from_path=f"/admin/users/{officer['id']}/sign-in",
        )
        assert done.status_code == 303
        assert (
            "Two-factor sign-in has been reset" in (await client.get(done.headers["location"])).text
        )

        # signed out everywhere; the next sign-in sets up a new authenticator
        assert (await officers_browser.get("/")).status_code == 303
        officers_browser.cookies.clear()
        response = await password_only(officers_browser, officer)
        assert response.headers["location"] == "/sign-in/set-up"
        assert (await second_step(officers_browser, officer, response)).status_code == 200

    audited = await conn.fetchrow(
        "SELECT user_id, subject, detail FROM audit_log WHERE action = 'two_factor_reset'"
    )
    assert audited["user_id"] == admin["id"] and audited["subject"] == f"user:{officer['id']}"
    assert (
        await conn.fetchval("SELECT count(*) FROM recovery_code WHERE user_id = $1", officer["id"])
        == 10
    )


async def test_only_an_administrator_may_reset_two_factor_sign_in(client, conn):
    officer = await make_account(conn)
    other = await make_account(conn, email="other@rotherham.gov.uk")
    await sign_in(client, officer)
    refused = await post_form(
        client, f"/admin/users/{other['id']}/two-factor/reset", {}, from_path="/"
    )
    assert refused.status_code == 403
    assert (await two_factor.state(conn, other["id"])).enrolled


async def test_the_setting_for_officers_relaxes_it_for_officers_only(db_url, conn):
    officer = await make_account(conn, two_factor=False)
    dpo = await make_account(conn, role="dpo", email="dpo@rotherham.gov.uk", two_factor=False)
    settings = load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
            "MFA_OPTIONAL_FOR_OFFICERS": "true",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as browser:
        browser.follow_redirects = False
        assert (await password_only(browser, officer)).headers["location"] == "/"
        assert (await browser.get("/")).status_code == 200
        browser.cookies.clear()
        assert (await password_only(browser, dpo)).headers["location"] == "/sign-in/set-up"
    # an officer who has set one up is still asked for it
    enrolled = await make_account(conn, email="enrolled@rotherham.gov.uk")
    async with AsyncTestClient(app=create_app(settings)) as browser:
        browser.follow_redirects = False
        assert (await password_only(browser, enrolled)).headers["location"] == "/sign-in/code"


async def test_api_tokens_are_unaffected(api_client, conn):
    officer = await make_user(conn)  # has an authenticator or not: the token is what counts
    await conn.execute(
        "UPDATE app_user SET totp_secret = $2, totp_enrolled_at = now() WHERE id = $1",
        officer["id"],
        two_factor.new_secret(),
    )
    response = await api_client.get("/api/v1/drivers?limit=1", headers=officer["headers"])
    assert response.status_code == 200


def test_the_demo_prints_each_accounts_totp_key_to_the_terminal_only_and_a_code_on_request(
    db_url,
):
    from licensing.cli_accounts import DEMO_ACCOUNTS, demo_accounts_step
    from licensing.cli_service import Secret

    lines = demo_accounts_step(load({"DATABASE_URL": db_url}))
    public = "\n".join(line for line in lines if not isinstance(line, Secret))
    secret = "\n".join(line for line in lines if isinstance(line, Secret))
    keys = re.findall(r"TOTP key ([A-Z2-7]{32})", secret)
    assert len(keys) == len(DEMO_ACCOUNTS)
    assert not any(key in public for key in keys) and "TOTP" not in public
    # the same keys on the next start: the app set up once keeps working
    again = "\n".join(demo_accounts_step(load({"DATABASE_URL": db_url})))
    assert re.findall(r"TOTP key ([A-Z2-7]{32})", again) == keys

    email = DEMO_ACCOUNTS[0][0]
    env = {"DATABASE_URL": db_url}
    shown = CliRunner().invoke(main, ["user", "totp", "--email", email], env=env)
    assert shown.exit_code == 0, shown.output
    code = shown.output.split()[0]
    here = two_factor.current_step()
    assert code in {two_factor.code_at(keys[0], step) for step in (here - 1, here, here + 1)}
    refused = CliRunner().invoke(main, ["user", "totp", "--email", "someone@example.org"], env=env)
    assert refused.exit_code == 1 and "not a demo account" in refused.output
