"""Forgotten passwords: a link by email that works once, for half an hour, for one account,
and tells nobody which email addresses have accounts.

The service sends through a real SMTP server; each story reads the link from the email it
received and follows it over HTTP, as the person's browser would.
"""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from registry import password_resets
from tests.alerts_support import smtp_server
from tests.pages.conftest import csrf_of, make_account, second_step

LINK = re.compile(r"https://crosscheck\.test(/sign-in/reset\?token=[A-Za-z0-9_-]+)")
NEW_PASSWORD = "a new and rather long passphrase"


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
async def client(db_url, inbox):
    settings = load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(inbox.port),
            "SMTP_TIMEOUT_SECONDS": "30",
            "CROSSCHECK_BASE_URL": "https://crosscheck.test",
        }
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.follow_redirects = False
        yield client


async def ask_for_link(client, email: str):
    form = await client.get("/sign-in/forgotten")
    return await client.post(
        "/sign-in/forgotten", data={"csrf_token": csrf_of(form.text), "email": email}
    )


def link_in(inbox, email: str) -> str:
    """The path of the newest reset link emailed to this address."""
    received = inbox.to(email)
    assert received, f"no email reached {email}"
    found = LINK.search(received[-1].text)
    assert found, received[-1].text
    return found.group(1)


async def choose_password(client, link: str, password: str = NEW_PASSWORD):
    form = await client.get(link)
    if form.status_code != 200:
        return form
    token = link.split("token=")[1]
    return await client.post(
        "/sign-in/reset",
        data={
            "csrf_token": csrf_of(form.text),
            "token": token,
            "new_password": password,
            "confirm_password": password,
        },
    )


async def sign_in_with(client, user: dict, password: str):
    form = await client.get("/sign-in")
    return await client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(form.text), "email": user["email"], "password": password},
    )


async def test_an_officer_who_forgot_their_password_resets_it_from_the_emailed_link(
    client, conn, inbox
):
    officer = await make_account(conn, email="forgetful@rotherham.gov.uk")
    # signed in on another computer, where someone may know the old password
    other_computer = await sign_in_with(client, officer, officer["password"])
    await second_step(client, officer, other_computer)
    assert (await client.get("/")).status_code == 200
    elsewhere = dict(client.cookies)
    client.cookies.clear()

    asked = await ask_for_link(client, officer["email"])
    assert asked.status_code == 303 and asked.headers["location"] == "/sign-in/forgotten/sent"
    assert "Check your email" in (await client.get(asked.headers["location"])).text
    email = inbox.to(officer["email"])[-1]
    assert email.message["Subject"] == "Reset your Crosscheck password"
    assert "works once" in email.text and "authenticator app" in email.text

    done = await choose_password(client, link_in(inbox, officer["email"]))
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?done=password_reset"
    assert "Sign in with your new password" in (await client.get(done.headers["location"])).text

    # the old password no longer works; the new one does, and still asks for the code
    assert (await sign_in_with(client, officer, officer["password"])).status_code == 400
    password_step = await sign_in_with(client, officer, NEW_PASSWORD)
    assert password_step.status_code == 303
    assert password_step.headers["location"].startswith("/sign-in/code")
    assert (await client.get("/")).status_code in (302, 303, 307)  # not signed in yet
    await second_step(client, officer, password_step)
    assert (await client.get("/")).status_code == 200

    # the other computer's session ended with the reset
    client.cookies.clear()
    client.cookies.update(elsewhere)
    assert (await client.get("/")).status_code != 200
    actions = await conn.fetch(
        "SELECT action, detail FROM audit_log WHERE subject = $1 ORDER BY id",
        f"user:{officer['id']}",
    )
    assert [a["action"] for a in actions] == ["password_reset_sent", "password_reset"]


async def test_a_link_works_once(client, conn, inbox):
    officer = await make_account(conn)
    await ask_for_link(client, officer["email"])
    link = link_in(inbox, officer["email"])
    assert (await choose_password(client, link)).status_code == 303
    again = await choose_password(client, link, "someone else's choice of password")
    assert again.status_code == 400 and "This link cannot be used" in again.text
    assert (await sign_in_with(client, officer, NEW_PASSWORD)).status_code == 303


async def test_a_link_stops_working_after_half_an_hour_and_when_a_newer_one_is_sent(
    client, conn, inbox
):
    officer = await make_account(conn)
    await ask_for_link(client, officer["email"])
    old = link_in(inbox, officer["email"])
    await ask_for_link(client, officer["email"])
    newer = link_in(inbox, officer["email"])
    assert old != newer
    refused = await choose_password(client, old)
    assert refused.status_code == 400 and "This link cannot be used" in refused.text

    # half an hour later
    await conn.execute(
        "UPDATE password_reset SET created_at = created_at - interval '31 minutes', "
        "expires_at = expires_at - interval '31 minutes'"
    )
    expired = await choose_password(client, newer)
    assert expired.status_code == 400 and "This link cannot be used" in expired.text
    # posting straight to the form with the expired token does no better
    form = await client.get("/sign-in/forgotten")
    posted = await client.post(
        "/sign-in/reset",
        data={
            "csrf_token": csrf_of(form.text),
            "token": newer.split("token=")[1],
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert posted.status_code == 400
    assert (await sign_in_with(client, officer, officer["password"])).status_code == 303


async def test_someone_elses_link_changes_only_their_password_and_a_made_up_one_nothing(
    client, conn, inbox
):
    victim = await make_account(conn, email="victim@rotherham.gov.uk")
    attacker = await make_account(conn, email="attacker@rotherham.gov.uk", name="Attacker")
    await ask_for_link(client, attacker["email"])
    own_link = link_in(inbox, attacker["email"])
    # the attacker's own link, with the victim's address or id added, is still only theirs
    form = await client.get(own_link)
    changed = await client.post(
        "/sign-in/reset",
        data={
            "csrf_token": csrf_of(form.text),
            "token": own_link.split("token=")[1],
            "email": victim["email"],
            "user_id": str(victim["id"]),
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 303
    assert (await sign_in_with(client, victim, NEW_PASSWORD)).status_code == 400
    assert (await sign_in_with(client, attacker, NEW_PASSWORD)).status_code == 303

    # a guessed token, and one from another site's form (no matching CSRF cookie), do nothing
    guessed = await choose_password(client, "/sign-in/reset?token=" + "A" * 43)
    assert guessed.status_code == 400
    await ask_for_link(client, victim["email"])
    victims_token = link_in(inbox, victim["email"]).split("token=")[1]
    client.cookies.clear()
    forged = await client.post(
        "/sign-in/reset",
        data={
            "csrf_token": "x" * 43,
            "token": victims_token,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert forged.status_code == 400
    assert (await sign_in_with(client, victim, victim["password"])).status_code == 303


async def test_an_unknown_email_gets_the_same_answer_and_no_email(client, conn, inbox):
    officer = await make_account(conn, email="real@rotherham.gov.uk")
    known = await ask_for_link(client, officer["email"])
    unknown = await ask_for_link(client, "nobody@rotherham.gov.uk")
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )
    assert inbox.to("nobody@rotherham.gov.uk") == []
    assert len(inbox.to(officer["email"])) == 1
    assert await conn.fetchval("SELECT count(*) FROM password_reset") == 1
    # a deactivated account is as good as unknown
    await conn.execute(
        "UPDATE app_user SET active = false, deactivated_at = now() WHERE id = $1", officer["id"]
    )
    await ask_for_link(client, officer["email"])
    assert len(inbox.to(officer["email"])) == 1


async def test_asking_again_and_again_sends_at_most_three_links_an_hour(client, conn, inbox):
    officer = await make_account(conn)
    for _ in range(password_resets.MAX_LINKS_PER_HOUR + 3):
        assert (await ask_for_link(client, officer["email"])).status_code == 303
    assert len(inbox.to(officer["email"])) == password_resets.MAX_LINKS_PER_HOUR


async def test_an_administrator_emails_a_reset_link_and_never_sees_it(client, conn, inbox):
    officer = await make_account(conn, email="locked-out@rotherham.gov.uk")
    admin = await make_account(conn, role="admin", authority=None, name="Admin")
    await second_step(client, admin, await sign_in_with(client, admin, admin["password"]))
    page = await client.get(f"/admin/users/{officer['id']}/sign-in")
    assert "Email a link to reset the password" in page.text
    sent = await client.post(
        f"/admin/users/{officer['id']}/password-reset", data={"csrf_token": csrf_of(page.text)}
    )
    assert sent.status_code == 303
    listing = await client.get(sent.headers["location"])
    assert "We have emailed the person a link" in listing.text
    link = link_in(inbox, officer["email"])
    assert link.split("token=")[1] not in listing.text
    assert "An administrator has asked" in inbox.to(officer["email"])[-1].text
    row = await conn.fetchrow(
        "SELECT user_id, detail FROM audit_log WHERE action = 'password_reset_sent'"
    )
    assert row["user_id"] == admin["id"]

    client.cookies.clear()
    assert (await choose_password(client, link)).status_code == 303
    assert (await sign_in_with(client, officer, NEW_PASSWORD)).status_code == 303


async def test_an_officer_cannot_send_reset_links(client, conn, inbox):
    officer = await make_account(conn)
    colleague = await make_account(conn, name="Colleague")
    await second_step(client, officer, await sign_in_with(client, officer, officer["password"]))
    home = await client.get("/")
    refused = await client.post(
        f"/admin/users/{colleague['id']}/password-reset", data={"csrf_token": csrf_of(home.text)}
    )
    assert refused.status_code == 403
    assert inbox.to(colleague["email"]) == []
