"""Officers sign in with email and password; sessions end on sign-out or when idle."""

from __future__ import annotations

from registry import accounts
from tests.pages.conftest import PASSWORD, csrf_of, make_account, post_form, sign_in


async def test_a_visitor_is_sent_to_sign_in_and_comes_back_after(client, officer):
    response = await client.get("/?from=test")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2F%3Ffrom%3Dtest"
    signed = await sign_in(client, officer, next_path="%2F%3Ffrom%3Dtest")
    assert signed.headers["location"] == "/?from=test"
    home = await client.get("/")
    assert home.status_code == 200
    assert "Signed in as Test Officer, Rotherham" in home.text


async def test_the_session_cookie_is_secure_http_only_and_lax(db_url, conn):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app
    from licensing.settings import load

    user = await make_account(conn)
    app = create_app(load({"DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        client.follow_redirects = False
        page = await client.get("/sign-in")
        response = await client.post(
            "/sign-in",
            data={"csrf_token": csrf_of(page.text), "email": user["email"], "password": PASSWORD},
        )
        cookie = next(
            value
            for value in response.headers.get_list("set-cookie")
            if value.startswith("__Host-crosscheck=")
        )
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Path=/" in cookie and "Domain" not in cookie


async def test_a_wrong_password_shows_the_error_summary_and_starts_no_session(
    client, officer, conn
):
    page = await client.get("/sign-in")
    response = await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "email": officer["email"], "password": "wrong"},
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#email">Enter a correct email address and password' in response.text
    assert await conn.fetchval("SELECT count(*) FROM web_session") == 0
    assert (await client.get("/")).status_code == 303


async def test_an_empty_sign_in_names_both_fields(client):
    page = await client.get("/sign-in")
    response = await client.post("/sign-in", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 400
    assert 'href="#email">Enter your email address' in response.text
    assert 'href="#password">Enter your password' in response.text
    assert "<title>Error: Sign in" in response.text


async def test_a_sign_in_without_the_form_token_is_refused(client, officer, conn):
    await client.get("/sign-in")
    response = await client.post("/sign-in", data={"email": officer["email"], "password": PASSWORD})
    assert response.status_code == 400
    assert "sign-in page had expired" in response.text
    assert await conn.fetchval("SELECT count(*) FROM web_session") == 0


async def test_sign_in_attempts_are_limited(client, officer, conn):
    for _ in range(6):  # three free, then a wait that doubles with each failure
        page = await client.get("/sign-in")
        await client.post(
            "/sign-in",
            data={"csrf_token": csrf_of(page.text), "email": officer["email"], "password": "guess"},
        )
    page = await client.get("/sign-in")
    response = await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "email": officer["email"], "password": PASSWORD},
    )
    assert response.status_code == 429
    assert "too many failed attempts" in response.text
    assert 0 < int(response.headers["retry-after"]) <= 4
    assert await conn.fetchval("SELECT count(*) FROM web_session") == 0


async def test_signing_out_ends_the_session(client, officer, conn):
    await sign_in(client, officer)
    response = await post_form(client, "/sign-out", {}, from_path="/")
    assert response.status_code == 303 and response.headers["location"] == "/signed-out"
    assert await conn.fetchval("SELECT count(*) FROM web_session WHERE ended_at IS NOT NULL") == 1
    assert (await client.get("/")).status_code == 303


async def test_an_idle_session_ends_with_a_clear_page(client, officer, conn):
    await sign_in(client, officer)
    await conn.execute("UPDATE web_session SET last_seen_at = now() - interval '31 minutes'")
    response = await client.get("/")
    assert response.headers["location"] == "/signed-out?expired=1"
    page = await client.get("/signed-out?expired=1")
    assert "You have been signed out" in page.text
    assert "30 minutes" in page.text


async def test_a_form_without_the_session_token_is_refused(client, officer, conn):
    await sign_in(client, officer)
    response = await client.post("/sign-out", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.text
    assert await conn.fetchval("SELECT count(*) FROM web_session WHERE ended_at IS NULL") == 1


async def test_the_api_ignores_the_session_cookie(client, officer):
    await sign_in(client, officer)
    assert (await client.get("/")).status_code == 200
    # the cookie signs in pages only; API callers use tokens
    from licensing.pages.sessions import authenticate

    scope = {
        "type": "http",
        "path": "/api/v1/anything",
        "headers": [(b"cookie", f"crosscheck={client.cookies.get('crosscheck')}".encode())],
    }
    assert await authenticate(scope, None) is None


async def test_an_unknown_page_is_a_gov_uk_page_for_a_browser_and_a_problem_for_the_api(client):
    page = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Page not found" in page.text
    api = await client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"].startswith(
        "application/problem+json"
    )


async def test_an_officer_replaces_the_first_password_and_their_other_sessions_end(
    client, conn, app_settings
):
    from litestar.testing import AsyncTestClient

    from licensing.app import create_app

    officer = await make_account(conn, password="first password from admin")
    async with AsyncTestClient(app=create_app(app_settings)) as laptop:
        laptop.follow_redirects = False
        await sign_in(laptop, officer)
        await sign_in(client, officer)

        changed = await post_form(
            client,
            "/account/password",
            {
                "current_password": "first password from admin",
                "new_password": "correct horse battery staple",
                "confirm_password": "correct horse battery staple",
            },
        )

        assert changed.headers["location"] == "/?done=password"
        assert "Your password has been changed" in (await client.get("/?done=password")).text
        assert (await laptop.get("/")).headers["location"] == "/signed-out?expired=1"
    assert (
        await accounts.verify_password(conn, officer["email"], "first password from admin") is None
    )
    assert await accounts.verify_password(conn, officer["email"], "correct horse battery staple")
    assert (
        await conn.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'password_changed' AND user_id = $1",
            officer["id"],
        )
        == 1
    )


async def test_a_password_change_sent_empty_or_wrong_names_each_field_and_changes_nothing(
    client, conn
):
    officer = await make_account(conn, password="first password from admin")
    await sign_in(client, officer)
    stored = "SELECT password_hash FROM app_user WHERE id = $1"
    before = await conn.fetchval(stored, officer["id"])

    empty = await post_form(client, "/account/password", {})
    mismatch = await post_form(
        client,
        "/account/password",
        {
            "current_password": "first password from admin",
            "new_password": "a long new password",
            "confirm_password": "a different new password",
        },
    )
    short = await post_form(
        client,
        "/account/password",
        {
            "current_password": "first password from admin",
            "new_password": "short",
            "confirm_password": "short",
        },
    )
    wrong = await post_form(
        client,
        "/account/password",
        {
            "current_password": "not my password at all",
            "new_password": "a long new password",
            "confirm_password": "a long new password",
        },
    )

    assert empty.status_code == 400
    assert 'href="#current_password"' in empty.text and 'href="#new_password"' in empty.text
    assert mismatch.status_code == 400 and 'href="#confirm_password"' in mismatch.text
    assert short.status_code == 400 and "Use at least" in short.text
    assert wrong.status_code == 400 and "Your current password is not right" in wrong.text
    for response in (empty, mismatch, short, wrong):
        assert "govuk-error-summary" in response.text
        assert "a long new password" not in response.text  # passwords are never sent back
    assert await conn.fetchval(stored, officer["id"]) == before
