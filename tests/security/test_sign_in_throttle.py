"""Sign-in that cannot be turned against officers: an attacker's failures slow down the
attacker (their address) and the one account they guess at, never everyone else behind the
same load balancer, and made-up email addresses count against no real account."""

from __future__ import annotations

import contextlib

import httpx
import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.pages import sessions
from licensing.settings import load
from tests.pages.conftest import csrf_of, make_account, second_step

PROXY = "10.0.0.2"  # the load balancer: every request arrives from it
ATTACKER = "203.0.113.66"
# Of the attacker's thousand tries, these go through the sign-in form over HTTP: enough to pass
# the address limit and be refused for a while.
THROUGH_THE_FORM = 2 * sessions.MAX_FAILURES_PER_ADDRESS + 10


class FromPeer:
    """The service as reached from one network peer at a time (the test client otherwise
    comes from nowhere): the load balancer, or a client connecting directly."""

    def __init__(self, app) -> None:
        self.app, self.peer = app, "127.0.0.1"

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.peer, 40000)}
        await self.app(scope, receive, send)


@pytest.fixture
async def app(db_url):
    settings = load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
            "TRUSTED_PROXIES": "10.0.0.0/24",
        }
    )
    service = FromPeer(create_app(settings))
    async with AsyncTestClient(app=service) as client:
        client.follow_redirects = False
        service.client = client
        yield service


@contextlib.asynccontextmanager
async def browser_at(app: FromPeer, peer: str, forwarded_for: str | None = None):
    """A fresh browser whose requests reach the service from `peer` (the proxy, or a direct
    client), with X-Forwarded-For as a proxy would add it."""
    app.peer = peer
    app.client.cookies.clear()
    app.client.headers.pop("X-Forwarded-For", None)
    if forwarded_for:
        app.client.headers["X-Forwarded-For"] = forwarded_for
    yield app.client


class SignInForm:
    """Fills in the sign-in form again and again, as a script would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client, self.html = client, ""

    async def submit(self, email: str, password: str, **headers) -> httpx.Response:
        if not self.html:
            self.html = (await self.client.get("/sign-in")).text
        response = await self.client.post(
            "/sign-in",
            data={"csrf_token": csrf_of(self.html), "email": email, "password": password},
            headers=headers,
        )
        self.html = response.text if response.status_code != 303 else ""
        return response


async def sign_in_as(app, user: dict, forwarded_for: str) -> httpx.Response:
    """The password, then the authenticator's code: 303 once signed in (or the refusal)."""
    async with browser_at(app, PROXY, forwarded_for) as client:
        response = await SignInForm(client).submit(user["email"], user["password"])
        if response.status_code != 303:
            return response
        return await second_step(client, user, response)


async def test_an_attackers_thousand_failures_behind_the_proxy_leave_other_officers_signing_in(
    app, conn
):
    target = await make_account(conn, email="target@rotherham.gov.uk")
    colleague = await make_account(conn, email="colleague@rotherham.gov.uk", name="Colleague")
    elsewhere = await make_account(conn, email="officer@leeds.gov.uk", authority="Leeds")

    def guess(attempt: int) -> tuple[str, str]:
        # made-up addresses, and every tenth a guess at a real officer's password
        email = target["email"] if attempt % 10 == 0 else f"nobody{attempt}@rotherham.gov.uk"
        return email, f"guess {attempt}"

    statuses = set()
    async with browser_at(app, PROXY) as attacker:
        form = SignInForm(attacker)
        for attempt in range(THROUGH_THE_FORM):
            # the attacker also claims to be the colleague's address, which the proxy's own
            # entry overrules
            response = await form.submit(
                *guess(attempt), **{"X-Forwarded-For": f"198.51.100.7, {ATTACKER}"}
            )
            statuses.add(response.status_code)
    assert statuses == {400, 429}  # wrong, then refused without trying: never signed in
    # The rest of the thousand ask the throttle exactly as the sign-in handler does, before
    # it looks at the password (an HTTP round trip each would only make the test slow).
    for attempt in range(THROUGH_THE_FORM, 1000):
        email, _ = guess(attempt)
        assert await sessions.seconds_to_wait(conn, email, ATTACKER) > 0, attempt
    assert await conn.fetchval("SELECT count(*) FROM web_session") == 0
    # the attacker's address has stopped after a few tries; the rest were never checked
    failures = await conn.fetchval(
        "SELECT count(*) FROM sign_in_attempt WHERE client_ip = $1 AND NOT succeeded", ATTACKER
    )
    assert failures == sessions.MAX_FAILURES_PER_ADDRESS

    # every other officer behind the same load balancer signs in at once
    assert (await sign_in_as(app, colleague, "198.51.100.7")).status_code == 303
    assert (await sign_in_as(app, elsewhere, "192.0.2.40")).status_code == 303
    # so does the officer whose password was guessed at: the attacker's address was stopped
    # before the account's own delay began (the next test shows that delay)
    assert (await sign_in_as(app, target, "198.51.100.8")).status_code == 303


async def test_made_up_email_addresses_never_slow_down_a_real_account(app, conn):
    officer = await make_account(conn, email="officer@rotherham.gov.uk")
    async with browser_at(app, PROXY, "203.0.113.9") as attacker:
        form = SignInForm(attacker)
        for attempt in range(sessions.MAX_FAILURES_PER_ADDRESS - 1):
            # the real address with one letter changed, and others: none is an account
            response = await form.submit(f"0fficer{attempt}@rotherham.gov.uk", "guess")
            assert response.status_code == 400
    assert await sessions.seconds_to_wait(conn, officer["email"], "198.51.100.7") == 0
    assert (await sign_in_as(app, officer, "198.51.100.7")).status_code == 303


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(app, conn):
    await make_account(conn, email="officer@rotherham.gov.uk")
    async with browser_at(app, ATTACKER) as attacker:  # straight to the service, no proxy
        form = SignInForm(attacker)
        for attempt in range(sessions.MAX_FAILURES_PER_ADDRESS + 5):
            # a new made-up address every time, to dodge the per-address limit
            response = await form.submit(
                f"nobody{attempt}@example.org",
                "guess",
                **{"X-Forwarded-For": f"198.51.100.{attempt}"},
            )
        assert response.status_code == 429
    recorded = await conn.fetch("SELECT DISTINCT host(client_ip) AS ip FROM sign_in_attempt")
    assert [row["ip"] for row in recorded] == [ATTACKER]


async def test_each_failure_on_an_account_doubles_its_wait_up_to_a_limit(app, conn):
    officer = await make_account(conn, email="officer@rotherham.gov.uk")
    for _ in range(sessions.FREE_FAILURES):  # a few slips cost nothing
        await sessions.note_attempt(conn, officer["email"], None, False)
    assert await sessions.seconds_to_wait(conn, officer["email"], None) == 0
    for failures, most in ((4, 1), (5, 2), (8, 16), (11, 128), (40, 900)):
        await conn.execute("DELETE FROM sign_in_attempt")
        for _ in range(failures):
            await sessions.note_attempt(conn, officer["email"], None, False)
        wait = await sessions.seconds_to_wait(conn, officer["email"], None)
        assert most / 2 < wait <= most, (failures, wait)

    # once the wait has passed the right password works, and the count starts again
    await conn.execute("DELETE FROM sign_in_attempt")
    await conn.execute(
        "INSERT INTO sign_in_attempt (email, succeeded, at) SELECT $1, false, now() - "
        "interval '16 minutes' FROM generate_series(1, 40)",
        officer["email"],
    )
    assert (await sign_in_as(app, officer, "198.51.100.7")).status_code == 303
    assert await sessions.seconds_to_wait(conn, officer["email"], None) == 0


async def test_an_administrator_lets_a_slowed_down_officer_sign_in_at_once_and_it_is_audited(
    app, conn
):
    officer = await make_account(conn, email="officer@rotherham.gov.uk")
    admin = await make_account(conn, role="admin", authority=None, email="admin@example.gov.uk")
    for _ in range(12):  # someone has been guessing: the officer would wait minutes
        await sessions.note_attempt(conn, officer["email"], "203.0.113.9", False)
    assert (await sign_in_as(app, officer, "198.51.100.7")).status_code == 429

    async with browser_at(app, PROXY, "198.51.100.1") as client:
        password_done = await SignInForm(client).submit(admin["email"], admin["password"])
        assert (await second_step(client, admin, password_done)).status_code == 303
        state = await client.get(f"/admin/users/{officer['id']}/sign-in")
        assert "must wait" in state.text
        done = await client.post(
            f"/admin/users/{officer['id']}/sign-in", data={"csrf_token": csrf_of(state.text)}
        )
        assert done.status_code == 303

    assert (await sign_in_as(app, officer, "198.51.100.7")).status_code == 303
    audited = await conn.fetchrow(
        "SELECT user_id, subject, detail FROM audit_log WHERE action = 'sign_in_unlocked'"
    )
    assert audited["user_id"] == admin["id"] and audited["subject"] == f"user:{officer['id']}"
    assert officer["email"] not in str(dict(audited))
