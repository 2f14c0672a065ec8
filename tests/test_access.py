"""Who may call what: every route is public or guarded, and each guard admits exactly its roles.

The routes come from create_app() itself, so a route added anywhere is checked here without
editing this file; only a new kind of path parameter may need a sample value below.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from litestar.testing import AsyncTestClient

from licensing.app import PUBLIC_PATHS, create_app
from licensing.db import connect
from licensing.settings import load
from registry import audit_log
from registry.actor import Actor, acting
from registry.today import london_today
from tests.conftest import described_app, new_database
from tests.factories import authority_id, make_user

# Callers under test: (role, authority) or None for nobody signed in.
CALLERS = {
    "anonymous": None,
    "officer_at_rotherham": ("licensing_officer", "Rotherham"),
    "officer_at_sheffield": ("licensing_officer", "Sheffield"),
    "dpo_at_rotherham": ("dpo", "Rotherham"),
    "dft_analyst": ("dft_analyst", None),
    "admin": ("admin", None),
}

# Sample values for path parameters, by name, then by type. Ids name no record (a guard
# must answer before any look-up); codes name a real authority.
SAMPLE_BY_NAME = {"code": "E08000018", "authority_code": "E08000018"}
SAMPLE_BY_TYPE = {
    int: "2000000000",
    str: "sample",
    uuid.UUID: "00000000-0000-4000-8000-000000000000",
    date: london_today().isoformat(),
}

GUARD_REFUSAL = "Your role does not allow this"


def is_public(path: str) -> bool:
    for public in PUBLIC_PATHS:
        if path == public or (public != "/" and path.startswith(public.rstrip("/") + "/")):
            return True
    return False


def operations(app) -> list[tuple[str, str, object, object]]:
    """(method, path, route, handler) for every HTTP operation, but CORS pre-flight (OPTIONS)."""
    found = []
    for route in app.routes:
        handlers = getattr(route, "route_handlers", None) or [route.route_handler]
        for handler in handlers:
            methods = sorted(getattr(handler, "http_methods", None) or ["WEBSOCKET"])
            for method in methods:
                if method != "OPTIONS":
                    found.append((method, route.path, route, handler))
    # The app's route order is not stable between processes; parallel workers must agree.
    return sorted(found, key=lambda op: (op[1], op[0]))


def admitted_roles(handler) -> set[str] | None:
    """The roles every guard admits (None: no guard says which roles)."""
    guards = [getattr(g, "func", g) for g in handler.resolve_guards()]  # litestar wraps them
    role_sets = [set(g.roles) for g in guards if hasattr(g, "roles")]
    if not role_sets:
        return None
    return set.intersection(*role_sets)


def sample_path(route) -> str:
    path = route.path
    for name, definition in route.path_parameters.items():
        value = SAMPLE_BY_NAME.get(name) or SAMPLE_BY_TYPE.get(definition.type, "sample")
        path = path.replace("{" + definition.full + "}", value)
    return path


OPERATIONS = operations(described_app())


def test_the_app_has_routes_to_check():
    assert any(path.startswith("/api/v1/") for _, path, _, _ in OPERATIONS)


def test_every_route_is_public_or_carries_a_role_guard():
    unguarded = [
        f"{method} {path}"
        for method, path, _, handler in OPERATIONS
        if not is_public(path) and admitted_roles(handler) is None
    ]
    assert unguarded == [], (
        "these routes need a guard from licensing.auth (officer, dpo, dft, admin, summary_reader, "
        "signed_in or requires(...)) or their path in licensing.app.PUBLIC_PATHS"
    )


def test_every_route_a_dft_analyst_may_call_declares_it_returns_no_personal_data():
    undeclared = [
        f"{method} {path}"
        for method, path, _, handler in OPERATIONS
        if "dft_analyst" in (admitted_roles(handler) or ())
        and handler.opt.get("personal_data") is not False
    ]
    assert undeclared == [], (
        "a DfT analyst sees aggregates only: give these handlers opt=auth.NO_PERSONAL_DATA "
        "if they return no personal data, or a guard that leaves DfT out"
    )


@pytest.fixture(scope="module")
async def matrix(cluster, template_url):
    """One app and database for the whole matrix, with a signed-in caller per role."""
    url = await new_database(cluster, template_url)
    conn = await connect(url)
    headers = {"anonymous": {}}
    for name, caller in CALLERS.items():
        if caller:
            role, authority = caller
            headers[name] = (await make_user(conn, role=role, authority=authority))["headers"]
    await conn.close()
    app = create_app(load({"DATABASE_URL": url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        # If the pages protect forms with a CSRF cookie, send it back so only guards decide.
        await client.get("/health")
        if csrf := client.cookies.get("csrftoken"):
            headers = {name: {**h, "x-csrftoken": csrf} for name, h in headers.items()}
        yield client, headers


def refused(response, path: str) -> bool:
    if response.status_code == 401:
        return True
    if response.status_code == 403:
        # the guard's own refusal (an authority check inside an admitted handler is another 403)
        return not path.startswith("/api/") or response.json().get("title") == GUARD_REFUSAL
    # pages send a signed-out visitor to sign in (the client may have followed the redirect)
    first = response.history[0] if response.history else response
    location = first.headers.get("location", "")
    return first.is_redirect and location.startswith(("/sign-in", "/login"))


@pytest.mark.parametrize(
    ("method", "path", "route", "handler"),
    [pytest.param(*op, id=f"{op[0]} {op[1]}") for op in OPERATIONS if op[0] != "WEBSOCKET"],
)
async def test_each_role_is_admitted_exactly_where_its_guard_says(
    matrix, method, path, route, handler
):
    client, headers = matrix
    public = is_public(path)
    admitted = set() if public else admitted_roles(handler) or set()
    url = sample_path(route)
    wrong = []
    for name, caller in CALLERS.items():
        body = {} if method in ("POST", "PUT", "PATCH") else None
        response = await client.request(method, url, headers=headers[name], json=body)
        should_pass = public or (caller is not None and caller[0] in admitted)
        if refused(response, path) == should_pass:
            wrong.append(
                f"{name}: {response.status_code} (expected {'admitted' if should_pass else 'refused'})"
            )
        if not should_pass and path.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
    assert wrong == [], f"{method} {url}: " + "; ".join(wrong)


async def test_a_dft_analyst_is_refused_every_route_that_can_return_personal_data(matrix):
    client, headers = matrix
    checked = 0
    for method, path, route, handler in OPERATIONS:
        if is_public(path) or method == "WEBSOCKET" or handler.opt.get("personal_data") is False:
            continue
        response = await client.request(
            method,
            sample_path(route),
            headers=headers["dft_analyst"],
            json={} if method in ("POST", "PUT", "PATCH") else None,
        )
        assert response.status_code == 403, (
            f"{method} {path} answered a DfT analyst {response.status_code}"
        )
        checked += 1
    assert checked > 0


# The audit log, by authority --------------------------------------------------------------


@pytest.fixture
def client(api_client):
    """The whole service in-process (tests/conftest.py's api_client)."""
    return api_client


async def _log(
    conn, authority: str, user: dict, action: str = "search", case: str = "CASE-1"
) -> int:
    where = await authority_id(conn, authority)
    async with acting(conn, Actor(user["id"], where)):
        return await audit_log.record(
            conn,
            action=action,
            user_id=user["id"],
            authority_id=where,
            purpose="new_application",
            case_reference=case,
            subject="search",
        )


async def test_a_dpo_sees_only_their_own_authoritys_audit_entries(client, conn):
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    bolton_officer = await make_user(conn, authority="Bolton", name="Bea Bolton")
    sheffield_officer = await make_user(conn, authority="Sheffield")
    ours = [await _log(conn, "Bolton", bolton_officer, case=f"B-{i}") for i in range(3)]
    await _log(conn, "Sheffield", sheffield_officer, case="S-1")

    page = (await client.get("/api/v1/audit", headers=dpo["headers"])).json()

    assert [e["id"] for e in page["items"]] == ours[::-1]
    assert {e["case_reference"] for e in page["items"]} == {"B-0", "B-1", "B-2"}
    assert page["items"][0]["user_name"] == "Bea Bolton"
    assert page["next"] is None


async def test_another_authoritys_dpo_sees_none_of_them(client, conn):
    bolton_officer = await make_user(conn, authority="Bolton")
    await _log(conn, "Bolton", bolton_officer)
    sheffield_dpo = await make_user(conn, role="dpo", authority="Sheffield")

    page = (await client.get("/api/v1/audit", headers=sheffield_dpo["headers"])).json()

    assert page["items"] == []


async def test_a_dpo_pages_through_the_log_and_filters_it(client, conn):
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    alice = await make_user(conn, authority="Bolton")
    bob = await make_user(conn, authority="Bolton")
    ids = [
        await _log(conn, "Bolton", alice if i % 2 else bob, action="search" if i < 4 else "view")
        for i in range(6)
    ]

    first = (await client.get("/api/v1/audit", params={"limit": 4}, headers=dpo["headers"])).json()
    rest = (await client.get(first["next"], headers=dpo["headers"])).json()
    views = (
        await client.get("/api/v1/audit", params={"action": "view"}, headers=dpo["headers"])
    ).json()
    alices = (
        await client.get("/api/v1/audit", params={"user": alice["id"]}, headers=dpo["headers"])
    ).json()
    today = london_today()
    yesterday = (
        await client.get(
            "/api/v1/audit", params={"to": str(today - timedelta(days=1))}, headers=dpo["headers"]
        )
    ).json()
    this_week = (
        await client.get(
            "/api/v1/audit",
            params={"from": str(today - timedelta(days=7)), "to": str(today + timedelta(days=1))},
            headers=dpo["headers"],
        )
    ).json()

    assert [e["id"] for e in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next"] is None
    assert [e["id"] for e in views["items"]] == ids[:3:-1]
    assert [e["id"] for e in alices["items"]] == [ids[5], ids[3], ids[1]]
    assert yesterday["items"] == []
    assert len(this_week["items"]) == 6


async def test_wrong_audit_filters_are_named(client, conn):
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    backwards = await client.get(
        "/api/v1/audit", params={"from": "2025-02-01", "to": "2025-01-01"}, headers=dpo["headers"]
    )
    bad_cursor = await client.get("/api/v1/audit", params={"cursor": "abc"}, headers=dpo["headers"])

    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "to"
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "cursor"


async def test_a_dpo_exports_their_log_as_csv_and_the_export_is_itself_logged(client, conn):
    dpo = await make_user(conn, role="dpo", authority="Bolton")
    officer = await make_user(conn, authority="Bolton")
    await _log(conn, "Bolton", officer, case="=HYPERLINK(1)")
    await _log(conn, "Sheffield", await make_user(conn, authority="Sheffield"), case="S-9")

    response = await client.get("/api/v1/audit.csv", headers=dpo["headers"])
    lines = response.text.splitlines()
    logged = await conn.fetchrow(
        "SELECT user_id, authority_id, action FROM audit_log ORDER BY id DESC LIMIT 1"
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert lines[0].startswith("id,at,action,user_id")
    assert "S-9" not in response.text
    assert "'=HYPERLINK(1)" in response.text  # a spreadsheet will not run it
    assert dict(logged) == {
        "user_id": dpo["id"],
        "authority_id": await authority_id(conn, "Bolton"),
        "action": "export",
    }
    assert len(lines) == 2  # the header and Bolton's one search (the export came after the read)


async def test_officers_and_analysts_cannot_read_the_audit_log(client, conn):
    for role, authority in (
        ("licensing_officer", "Bolton"),
        ("dft_analyst", None),
        ("admin", None),
    ):
        caller = await make_user(conn, role=role, authority=authority)
        for path in ("/api/v1/audit", "/api/v1/audit.csv"):
            assert (await client.get(path, headers=caller["headers"])).status_code == 403


async def test_the_api_reference_page_and_its_document_are_public(client):
    page = await client.get("/schema")
    document = (await client.get("/schema/openapi.json")).json()
    create_user = document["paths"]["/api/v1/users"]["post"]["responses"]

    assert page.status_code == 200 and "scalar" in page.text.lower()
    assert {"201", "400", "401", "403", "422"} <= set(create_user)
    assert "application/problem+json" in create_user["422"]["content"]


async def test_an_officer_cannot_touch_another_authoritys_record(conn):
    from litestar.exceptions import PermissionDeniedException

    from licensing.auth import Principal, require_own_authority

    officer = Principal(1, "licensing_officer", await authority_id(conn, "Sheffield"), "Sam")
    require_own_authority(officer, await authority_id(conn, "Sheffield"))
    with pytest.raises(PermissionDeniedException):
        require_own_authority(officer, await authority_id(conn, "Rotherham"))
