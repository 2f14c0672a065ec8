"""Page tests over HTTP: the real app on a fresh database, a client that keeps cookies, and
officers who sign in through the sign-in form."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import time

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from registry import accounts
from registry import two_factor as mfa
from tests.factories import make_user

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET_KEY = re.compile(r'<code class="app-secret-key">([A-Z2-7 ]+)</code>')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@functools.cache
def password_hash(password: str) -> str:
    # the service's own hasher, once per password per run (each hash takes a fifth of a second)
    return accounts._hasher.hash(password)


# Every account made here has an authenticator, as the service requires (its secret is kept
# by email, for the browser's sign-in helper), unless made with two_factor=False.
TOTP_SECRETS: dict[str, str] = {}
_last_step: dict[str, int] = {}


async def make_account(
    conn,
    *,
    role: str = "licensing_officer",
    authority: str | None = "Rotherham",
    name: str = "Test Officer",
    password: str = PASSWORD,
    email: str | None = None,
    two_factor: bool = True,
) -> dict:
    """A user who can sign in to the pages with `password` and a code from `totp_secret`."""
    user = await make_user(conn, role=role, authority=authority, name=name, email=email)
    await conn.execute(
        "UPDATE app_user SET password_hash = $2 WHERE id = $1", user["id"], password_hash(password)
    )
    secret = None
    if two_factor:
        secret = mfa.new_secret()
        await conn.execute(
            "UPDATE app_user SET totp_secret = $2, totp_enrolled_at = now() WHERE id = $1",
            user["id"],
            secret,
        )
        TOTP_SECRETS[user["email"]] = secret
    return {**user, "password": password, "totp_secret": secret}


# On a loaded machine a browser can take seconds to send the code it was given.
CODE_MARGIN_SECONDS = 15


def _earliest_step_still_accepted() -> int:
    """The step before now, unless the service stops accepting it within the margin: the
    service takes the step before now only until the current step ends."""
    now = time.time()
    here = mfa.current_step(now)
    left = (here + 1) * mfa.STEP_SECONDS - now
    return here - 1 if left >= CODE_MARGIN_SECONDS else here


async def totp_code(secret: str) -> str:
    """A code the authenticator app would show, never one already given for this secret:
    the service takes each 30-second step once, and accepts the steps either side of now, so
    up to three sign-ins a step go at once and a fourth waits for the next step."""
    step = max(_earliest_step_still_accepted(), _last_step.get(secret, -1) + 1)
    if step > mfa.current_step() + 1:
        await asyncio.sleep(max(0, (step - 1) * mfa.STEP_SECONDS - time.time() + 0.05))
    _last_step[secret] = step
    return mfa.code_at(secret, step)


def page_settings(db_url: str):
    """The service's settings for page tests: plain http, so no secure cookies."""
    return load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
        }
    )


@pytest.fixture
def app_settings(db_url):
    return page_settings(db_url)


@contextlib.asynccontextmanager
async def signed_in(db_url: str, user: dict):
    """A browser-like client of its own, signed in as user (so officers can work side by side)."""
    async with AsyncTestClient(app=create_app(page_settings(db_url))) as client:
        client.follow_redirects = False
        await sign_in(client, user)
        yield client


@pytest.fixture
async def client(app_settings):
    async with AsyncTestClient(app=create_app(app_settings)) as client:
        client.follow_redirects = False  # tests look at each redirect
        yield client


async def sign_in(client, user: dict, next_path: str = ""):
    """Sign in through the form: the password, then the code from the authenticator app."""
    form_page = await client.get("/sign-in" + (f"?next={next_path}" if next_path else ""))
    response = await client.post(
        "/sign-in" + (f"?next={next_path}" if next_path else ""),
        data={
            "csrf_token": csrf_of(form_page.text),
            "email": user["email"],
            "password": user["password"],
        },
    )
    assert response.status_code == 303, response.text
    return await second_step(client, user, response)


async def second_step(client, user: dict, response):
    """After the password: give the code the page asks for (the redirect to it is `response`);
    returns the response that signs in."""
    location = response.headers["location"]
    if location.startswith("/sign-in/set-up"):  # no authenticator yet: set one up now
        set_up = await client.get(location)
        secret = SECRET_KEY.search(set_up.text).group(1).replace(" ", "")
        TOTP_SECRETS[user["email"]] = user["totp_secret"] = secret
        response = await client.post(
            location,
            data={"csrf_token": csrf_of(set_up.text), "code": await totp_code(secret)},
        )
        assert "Your recovery codes" in response.text, response.text
        return response
    if not location.startswith("/sign-in/code"):
        return response
    code_page = await client.get(location)
    response = await client.post(
        location,
        data={
            "csrf_token": csrf_of(code_page.text),
            "code": await totp_code(user["totp_secret"]),
        },
    )
    assert response.status_code == 303, response.text
    return response


async def post_form(client, path: str, data: dict, *, from_path: str | None = None):
    """Post a form as a browser would: with the CSRF token of the page the form is on."""
    form_page = await client.get(from_path or path)
    return await client.post(path, data={"csrf_token": csrf_of(form_page.text), **data})


@pytest.fixture
async def officer(conn):
    return await make_account(conn)


async def search(client, data: dict, **headers):
    """Search as the form does: a GET with the criteria in the address."""
    return await client.get("/search", params={**data, "searched": "yes"}, headers=headers)
