"""Page tests over HTTP: the real app on a fresh database, a client that keeps cookies, and
officers who sign in through the sign-in form."""

from __future__ import annotations

import functools
import re

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.settings import load
from registry import accounts
from tests.factories import make_user

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@functools.cache
def password_hash(password: str) -> str:
    # the service's own hasher, once per password per run (each hash takes a fifth of a second)
    return accounts._hasher.hash(password)


async def make_account(
    conn,
    *,
    role: str = "licensing_officer",
    authority: str | None = "Rotherham",
    name: str = "Test Officer",
    password: str = PASSWORD,
    email: str | None = None,
) -> dict:
    """A user who can sign in to the pages with `password`."""
    user = await make_user(conn, role=role, authority=authority, name=name, email=email)
    await conn.execute(
        "UPDATE app_user SET password_hash = $2 WHERE id = $1", user["id"], password_hash(password)
    )
    return {**user, "password": password}


@pytest.fixture
def app_settings(db_url):
    return load(
        {
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
        }
    )


@pytest.fixture
async def client(app_settings):
    async with AsyncTestClient(app=create_app(app_settings)) as client:
        client.follow_redirects = False  # tests look at each redirect
        yield client


async def sign_in(client, user: dict, next_path: str = "") -> None:
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
