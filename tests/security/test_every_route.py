"""Attack story: for every route the service has, what can someone who should not be there make
it do? Nobody signed in, an API token revoked yesterday, a browser cookie from a session that
was signed out, a DfT analyst, and an officer of another authority (Leeds) who points the route
at Rotherham's records; and a form posted to a Rotherham officer's session from another site,
without the session's CSRF token.

The routes come from create_app() itself, so a route added tomorrow is walked without editing
this file, or the test fails naming it (a new kind of path id needs a record below). One app
and one database serve the module; each route is its own test, so parallel workers share them.

Each must be refused in the house style (401 or a sign-in redirect for no one, 403 for a role
the guard leaves out, 404 for a record of another authority, in the same words as for no record
at all), never 2xx nor 5xx, and no answer may carry the personal data of Rotherham's records.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from alerts.rules import queue_all_new_alerts
from licensing.app import create_app
from licensing.db import connect
from licensing.pages import sessions
from licensing.settings import load
from registry import webhooks
from registry.actor import Actor
from registry.today import london_today
from tests.conftest import described_app, new_database
from tests.factories import (
    authority_id,
    make_concern,
    make_driver,
    make_entry,
    make_licence,
    make_request,
    make_user,
)
from tests.security.test_malformed_bodies import counts
from tests.test_access import admitted_roles, is_public, operations

SETTINGS = {
    "CROSSCHECK_SCHEDULER": "false",
    "CROSSCHECK_SECURE_COOKIES": "false",
    # the limits on record opens are not under test here: an intruder walks every route
    "RECORD_OPENS_PER_HOUR": "1000000",
    "RECORD_OPENS_ALERT_AT": "1000000",
    "SEARCHES_PER_HOUR": "1000000",
    "SEARCHES_ALERT_AT": "1000000",
    "TOKEN_CACHE_SECONDS": "0",
}

# Personal data of Rotherham's records (and the words of its private records): none of it may
# reach anyone refused. Names are unusual so a match is never a coincidence.
SECRETS = (
    "Zephyrine",
    "Quillfeather",
    "Xanthippe",
    "Blackwoodley",
    "NARRATIVE-OF-ROTHERHAM",
    "CONCERN-ABOUT-ZEPHYRINE",
    "REQUEST-REASON-RQ",
    "PROPOSAL-REASON-PX",
    "hooks-rotherham",
    "ROT-LIC-77",
)

NO_SUCH = {
    int: "987654321",
    uuid.UUID: "6f1c2c7e-1111-4abc-8def-0123456789ab",
    str: "no-such-thing",
}


def app_for(url: str):
    return create_app(load({"DATABASE_URL": url, **SETTINGS}))


def hashed(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def page_session(conn, user_id: int) -> dict:
    """A signed-in browser's cookie and the CSRF token of its session."""
    token = await sessions.start(conn, user_id)
    csrf = await conn.fetchval("SELECT csrf_token FROM web_session WHERE id = $1", hashed(token))
    return {"cookie": f"{sessions.cookie_name(load(SETTINGS))}={token}", "csrf": csrf}


async def seed(conn) -> dict:
    """Rotherham's records of every kind a path can name; Leeds has no part in any of them."""
    rotherham = await make_user(conn, authority="Rotherham", name="Rita Rotherham")
    doncaster = await make_user(conn, authority="Doncaster", name="Don Doncaster")
    driver = await make_driver(
        conn,
        forenames="Zephyrine",
        surname="Quillfeather",
        recorded_by="Rotherham",
        postcode="S60 1ZZ",
        aliases=(("Zephyrina", "Quillfeather"),),
    )
    again = await make_driver(
        conn, forenames="Xanthippe", surname="Blackwoodley", recorded_by="Rotherham"
    )
    licence = await make_licence(conn, driver, authority="Rotherham", number="ROT-LIC-77")
    await make_licence(conn, again, authority="Rotherham")
    entry = await make_entry(
        conn,
        driver,
        authority="Rotherham",
        decision="suspended",
        narrative="NARRATIVE-OF-ROTHERHAM",
    )
    theirs = await make_entry(conn, driver, authority="Doncaster", narrative="Doncaster's notes")
    concern = await make_concern(
        conn,
        driver,
        reporter="Doncaster",
        recipient="Rotherham",
        narrative="CONCERN-ABOUT-ZEPHYRINE",
        became_aware_on=london_today(),
        recorded_by=doncaster["id"],
    )
    request = await make_request(
        conn,
        entry,
        requester="Doncaster",
        case_reference="DON/1",
        reason="REQUEST-REASON-RQ",
        requested_on=london_today() - timedelta(days=3),
    )
    pair = await conn.fetchval(
        """INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,
               raised_by)
           VALUES ($1, $2, 0.97, 5.0, '[]'::jsonb, 'job') RETURNING id""",
        min(int(driver), int(again)),
        max(int(driver), int(again)),
    )
    proposal = await conn.fetchval(
        """INSERT INTO identity_proposal (driver_id, proposed_by_authority_id, changes, reason)
           SELECT $1, id, '{"surname": "Quilfeather"}', 'PROPOSAL-REASON-PX'
           FROM authority WHERE name = 'Bolton' RETURNING id""",
        driver,
    )
    await queue_all_new_alerts(conn)
    alert = await conn.fetchval(
        """UPDATE alert SET status = 'sent', sent_at = now(), message_id = 'm1'
           WHERE id = (SELECT min(id) FROM alert WHERE recipient_authority_id = $1)
           RETURNING id""",
        await authority_id(conn, "Rotherham"),
    )
    assert alert is not None, "Rotherham should have an alert to point at"
    made = await webhooks.subscribe(
        conn,
        Actor(rotherham["id"], rotherham["authority_id"]),
        webhooks.NewSubscription("http://127.0.0.1:9/hooks-rotherham", ["licence_granted"]),
        allow_loopback=True,
    )
    subscription = made.subscription.id
    delivery = await conn.fetchval(
        """INSERT INTO webhook_delivery (subscription_id, event_id, event_type, payload, status,
               attempts, last_error, dead_at)
           VALUES ($1, 1, 'licence_granted', '{}', 'dead', 12, 'the receiver answered 503', now())
           RETURNING id""",
        subscription,
    )
    rejections = await conn.fetchval(
        """INSERT INTO import_rejection_list (authority_id, user_id, imported, rows_rejected)
           VALUES ($1, $2, false, 1) RETURNING public_id""",
        rotherham["authority_id"],
        rotherham["id"],
    )
    token_id = await conn.fetchval("SELECT id FROM api_token WHERE user_id = $1", rotherham["id"])
    return {
        "rotherham": rotherham,
        "ids": {
            "driver_id": driver.public,
            "licence_id": str(licence),
            "entry_id": str(entry),
            "concern_id": str(concern),
            "request_id": str(request),
            "pair_id": str(pair),
            "proposal_id": str(proposal),
            "alert_id": str(alert),
            "subscription_id": str(subscription),
            "delivery_id": webhooks.message_id(delivery),
            "list_id": str(rejections),
            "user_id": str(rotherham["id"]),
            "token_id": str(token_id),
            "code": "E08000018",
            "authority_code": "E08000018",
            "name": "expiring",
            "file_path": "govuk/govuk-frontend.min.css",
            "path": "openapi.json",
        },
        "their_entry": str(theirs),
    }


# Who attacks. Pages are visited as a browser would (a session cookie and its CSRF token), the
# API with a bearer token.
SHUT_OUT = ("anonymous", "revoked_token", "signed_out_cookie")


@pytest.fixture(scope="module")
async def world(cluster, template_url):
    url = await new_database(cluster, template_url)
    conn = await connect(url)
    seeded = await seed(conn)
    revoked = await make_user(conn, authority="Rotherham", name="Rex Revoked")
    await conn.execute("UPDATE api_token SET revoked_at = now() WHERE user_id = $1", revoked["id"])
    people = {
        "revoked": revoked,
        "dft_analyst": await make_user(conn, role="dft_analyst", authority=None, name="Dana"),
        "leeds_officer": await make_user(conn, authority="Leeds", name="Len Leeds"),
        "rotherham_officer": seeded["rotherham"],
    }
    async with AsyncTestClient(app=app_for(url)) as client:
        client.follow_redirects = False
        yield client, conn, seeded, people
    await conn.close()


@pytest.fixture
async def callers(world) -> dict[str, dict]:
    """Each caller's credentials, with page sessions of their own for this test (a route that
    signs out must not sign out the next test's caller)."""
    _, conn, _, people = world
    gone = await page_session(conn, people["rotherham_officer"]["id"])
    await sessions.end(conn, hashed(gone["cookie"].partition("=")[2]))
    found = {
        "anonymous": {"api": {}, "page": {}},
        "revoked_token": {
            "api": people["revoked"]["headers"],
            "page": people["revoked"]["headers"],
        },
        "signed_out_cookie": {"api": {"cookie": gone["cookie"]}, "page": gone},
    }
    for name in ("dft_analyst", "leeds_officer", "rotherham_officer"):
        person = people[name]
        found[name] = {"api": person["headers"], "page": await page_session(conn, person["id"])}
    return found


WRITES = ("POST", "PUT", "PATCH", "DELETE")
OPERATIONS = [op for op in operations(described_app()) if op[0] != "HEAD"]


def is_api(path: str) -> bool:
    return path.startswith("/api/")


def fill(route, ids: dict[str, str]) -> str:
    path = route.path
    for name, definition in route.path_parameters.items():
        value = ids.get(name)
        assert value is not None, f"{route.path}: give the path id {name} a record in seed()"
        path = path.replace("{" + definition.full + "}", str(value))
    return path


def missing(route) -> str:
    """The route's path naming records that do not exist (ids of the same kind)."""
    path = route.path
    for definition in route.path_parameters.values():
        value = NO_SUCH.get(definition.type, "no-such-thing")
        if definition.name == "delivery_id":
            value = "msg_987654321"
        path = path.replace("{" + definition.full + "}", value)
    return path


async def call(client, method: str, path: str, url: str, caller: dict, csrf: bool = True):
    """The request a caller makes: a bearer token or cookie, and for a page's form its CSRF
    token (unless csrf=False: a form posted from another site)."""
    if is_api(path):
        body = BODIES.get((method, path), {}) if method in ("POST", "PUT", "PATCH") else None
        return await client.request(method, url, headers=caller["api"], json=body)
    page = caller["page"]
    headers = {k: v for k, v in page.items() if k != "csrf"}
    if method == "GET":
        return await client.get(url, headers=headers)
    form = dict(BODIES.get((method, path), {}))
    if csrf and page.get("csrf"):
        form["csrf_token"] = page["csrf"]
    headers["content-type"] = "application/x-www-form-urlencoded"
    return await client.request(method, url, headers=headers, content=urlencode(form))


# Bodies the record's owner could send, so a refusal is about whose record it is and not about
# a wrong field. Writes without an entry send an empty body.
NAME = {"kind": "alias", "forenames": "Zeph", "surname": "Quill"}
BIRTH = {"date_of_birth-day": "17", "date_of_birth-month": "5", "date_of_birth-year": "1980"}
BODIES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/drivers/{driver_id:uuid}"): {"postcode": "LS1 1AA"},
    ("POST", "/api/v1/drivers/{driver_id:uuid}/names"): NAME,
    ("POST", "/api/v1/drivers/{driver_id:uuid}/identity-proposals"): {
        "changes": {"surname": "Quilfeather"},
        "reason": "Passport",
    },
    ("POST", "/api/v1/concerns/{concern_id:int}/reply"): {"decision": "warning", "reason": "x"},
    ("POST", "/api/v1/information-requests/{request_id:int}/response"): {
        "status": "granted",
        "response": "x",
    },
    ("POST", "/api/v1/licences/{licence_id:int}/changes"): {"action": "suspended"},
    ("POST", "/api/v1/register-entries/{entry_id:int}/changes"): {
        "status": "withdrawn",
        "reason": "x",
    },
    ("POST", "/api/v1/possible-duplicates/{pair_id:int}/decision"): {
        "decision": "different_people"
    },
    ("POST", "/api/v1/identity-proposals/{proposal_id:int}/accept"): {"note": "x"},
    ("POST", "/api/v1/identity-proposals/{proposal_id:int}/reject"): {"note": "x"},
    ("POST", "/drivers/{driver_id:uuid}/change"): {
        "forenames": "Zeph",
        "surname": "Quill",
        "postcode": "LS1 1AA",
        **BIRTH,
    },
    ("POST", "/drivers/{driver_id:uuid}/names/new"): NAME,
    ("POST", "/concerns/{concern_id:int}"): {"decision": "warning", "reason": "x"},
    ("POST", "/requests/{request_id:int}"): {"status": "granted", "response": "x"},
    ("POST", "/licences/{licence_id:int}/change"): {"action": "suspended"},
    ("POST", "/entries/{entry_id:int}/change"): {"status": "withdrawn", "reason": "x"},
    ("POST", "/duplicates/{pair_id:int}"): {"decision": "different_people"},
    ("POST", "/identity-proposals/{proposal_id:int}"): {"decision": "accept", "note": "x"},
}


def signed_out_answer(response, path: str) -> bool:
    """401 from the API (problem+json); a page sends the browser to sign in."""
    if is_api(path) or path == "/metrics":
        return response.status_code == 401
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.startswith(("/sign-in", "/signed-out"))


GUARDED = [
    pytest.param(method, path, route, handler, id=f"{method} {path}")
    for method, path, route, handler in OPERATIONS
    if not is_public(path)
]


def test_every_route_is_walked():
    """The walk covers the whole route table but its public pages (the sign-in pages, the API
    reference, probes, assets), which tests/test_access.py holds to PUBLIC_PATHS."""
    assert len(GUARDED) > 120
    assert {p.values[1] for p in GUARDED} >= {
        "/api/v1/drivers/{driver_id:uuid}",
        "/work/{name:str}",
    }


@pytest.mark.parametrize(("method", "path", "route", "handler"), GUARDED)
async def test_no_one_signed_out_gets_past_any_route(world, callers, method, path, route, handler):
    """Nobody signed in, a revoked API token (of Rotherham's own officer) and a cookie of a
    session that was signed out are all told to sign in, and write nothing."""
    client, conn, seeded, _ = world
    url = fill(route, seeded["ids"])
    before = await counts(conn)
    wrong = []
    for name in SHUT_OUT:
        response = await call(client, method, path, url, callers[name])
        if not signed_out_answer(response, path):
            wrong.append(f"{name}: {response.status_code}")
        if leaked := [s for s in SECRETS if s in response.text]:
            wrong.append(f"{name}: shown {leaked}")
    assert wrong == [], f"{method} {url}: " + "; ".join(wrong)
    assert await counts(conn) == before


@pytest.mark.parametrize(("method", "path", "route", "handler"), GUARDED)
async def test_a_dft_analyst_is_refused_every_route_not_declared_free_of_personal_data(
    world, callers, method, path, route, handler
):
    client, conn, seeded, _ = world
    if "dft_analyst" in (admitted_roles(handler) or ()):
        assert handler.opt.get("personal_data") is False
        return
    before = await counts(conn)
    response = await call(client, method, path, fill(route, seeded["ids"]), callers["dft_analyst"])
    assert response.status_code in (403, 404), f"{method} {path}: {response.status_code}"
    assert not [s for s in SECRETS if s in response.text]
    assert await counts(conn) == before


PAGE_POSTS = [p for p in GUARDED if p.values[0] == "POST" and not is_api(p.values[1])]


@pytest.mark.parametrize(("method", "path", "route", "handler"), PAGE_POSTS)
async def test_a_form_posted_from_another_site_is_refused(
    world, callers, method, path, route, handler
):
    """A Rotherham officer's browser, signed in, is made to post a form by another website: it
    carries the session cookie but not the session's CSRF token. Nothing is done."""
    client, conn, seeded, _ = world
    before = await counts(conn)
    owner = callers["rotherham_officer"]
    role = next(iter(admitted_roles(handler) or ()), None)
    if role != "licensing_officer":  # forged as whoever the guard admits
        person = await make_user(conn, role=role, authority="Rotherham")
        owner = {"page": await page_session(conn, person["id"])}
        before = await counts(conn)
    response = await call(client, method, path, fill(route, seeded["ids"]), owner, csrf=False)
    assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    assert "Your form could not be sent" in response.text
    assert await counts(conn) == before


# Routes about a driver that any officer may use, by the register's design: the register is
# national, so any officer may consult a driver's record (with a purpose, audited), grant them
# a licence, record a decision, report a concern (s.5), propose a change to who they are, and
# change their address or home authority. Only their identity belongs to the authorities with a
# part in them (tests/security/test_identity_ownership.py): those writes are refused below.
NATIONAL = {
    "/api/v1/drivers/{driver_id:uuid}",
    "/api/v1/drivers/{driver_id:uuid}/identity-proposals",
    "/api/v1/drivers/{driver_id:uuid}/names",
    "/drivers/{driver_id:uuid}",
    "/drivers/{driver_id:uuid}/change",
    "/drivers/{driver_id:uuid}/concerns/new",
    "/drivers/{driver_id:uuid}/entries/new",
    "/drivers/{driver_id:uuid}/licences/new",
    "/drivers/{driver_id:uuid}/names/new",
    "/drivers/{driver_id:uuid}/propose",
}
# ... but who the driver is belongs to the authorities with a part in them
IDENTITY_WRITES = {
    ("POST", "/api/v1/drivers/{driver_id:uuid}/names"),
    ("POST", "/drivers/{driver_id:uuid}/names/new"),
}
# Path parameters that name no record: a work list's name, an authority's code (public: every
# caller may list the authorities)
NOT_RECORDS = {"name", "code", "authority_code"}
# Words of Rotherham's own records, which no other authority may ever read
PRIVATE = tuple(s for s in SECRETS if s not in ("Zephyrine", "Quillfeather"))
NONCE = re.compile(r'nonce="[^"]*"')

OFFICER_ROUTES = [p for p in GUARDED if "licensing_officer" in (admitted_roles(p.values[3]) or ())]


def same_words(response, ids: list[str]) -> str:
    """The answer's body as a person reads it: without the page's nonce and the ids asked for."""
    text = NONCE.sub("", response.text)
    for value in ids:
        text = text.replace(value, "ID")
    return text


def record_ids(route, url: str, other: str) -> list[str]:
    return [part for part in set(url.split("/")) ^ set(other.split("/")) if part]


@pytest.mark.parametrize(("method", "path", "route", "handler"), OFFICER_ROUTES)
async def test_an_officer_of_another_authority_learns_nothing_of_rotherhams_records(
    world, callers, method, path, route, handler
):
    """A Leeds officer points the route at Rotherham's records: answered as if there were no
    such record (the same status, the same words), or, where the register is national, shown
    nothing private and let change nothing that is Rotherham's to change."""
    client, conn, seeded, _ = world
    leeds = callers["leeds_officer"]
    url = fill(route, seeded["ids"])
    before = await counts(conn)
    theirs = await call(client, method, path, url, leeds)
    shown = [s for s in (PRIVATE if path in NATIONAL else SECRETS) if s in theirs.text]
    assert theirs.status_code < 500 and shown == [], f"{method} {url}: {theirs.status_code} {shown}"
    if path in NATIONAL and (method, path) not in IDENTITY_WRITES:
        return
    assert await counts(conn) == before, f"{method} {url} wrote"
    if (method, path) in IDENTITY_WRITES:
        assert theirs.status_code in (400, 409), f"{method} {url}: {theirs.status_code}"
        return
    if not set(route.path_parameters) - NOT_RECORDS:
        return  # a list of the officer's own authority's records: shown none of Rotherham's
    nowhere = missing(route)
    none = await call(client, method, path, nowhere, leeds)
    ids = record_ids(route, url, nowhere)
    assert (theirs.status_code, same_words(theirs, ids)) == (
        none.status_code,
        same_words(none, ids),
    )
    assert theirs.status_code in (403, 404), f"{method} {url}: {theirs.status_code}"


# Ids in a query string, each with the caller who might count through them: (path, parameter,
# the seed's id it names, who asks). Every route taking an id in its query is listed (below).
QUERY_IDS = [
    ("/api/v1/audit", "user", "user_id", "leeds_dpo"),
    ("/api/v1/audit.csv", "user", "user_id", "leeds_dpo"),
    ("/api/v1/possible-duplicates", "driver_id", "driver_id", "leeds_officer"),
    ("/api/v1/webhook-deliveries", "subscription", "subscription_id", "leeds_officer"),
    ("/drivers/{driver_id:uuid}", "alert", "alert_id", "leeds_officer"),
    ("/entries/{entry_id:int}", "alert", "alert_id", "leeds_officer"),
]
QUERY_NO_SUCH = {"user_id": "987654321", "subscription_id": "987654321", "alert_id": "987654321"}


def test_every_id_in_a_query_string_is_walked():
    skip = {"request", "conn", "data", "state", "idempotency_key", "cursor", "limit"}
    found = {
        (path, name)
        for method, path, route, handler in OPERATIONS
        for name, parameter in handler.parsed_fn_signature.parameters.items()
        if name not in route.path_parameters
        and name not in skip
        and ("int" in str(parameter.annotation) or "UUID" in str(parameter.annotation))
    }
    listed = {(path, name) for path, name, _, _ in QUERY_IDS}
    assert found <= listed, f"walk these ids too: {sorted(found - listed)}"


@pytest.mark.parametrize(("path", "name", "kind", "who"), QUERY_IDS)
async def test_an_id_in_a_query_says_nothing_of_another_authoritys_record(
    world, callers, path, name, kind, who
):
    client, conn, seeded, _ = world
    if who == "leeds_dpo":
        dpo = await make_user(conn, role="dpo", authority="Leeds")
        caller = {"api": dpo["headers"], "page": await page_session(conn, dpo["id"])}
    else:
        caller = callers[who]
    route = next(op[2] for op in OPERATIONS if op[1] == path)
    base = fill(route, seeded["ids"])
    real, none = seeded["ids"][kind], QUERY_NO_SUCH.get(kind, NO_SUCH[uuid.UUID])
    theirs = await call(client, "GET", path, f"{base}?{name}={real}", caller)
    nothing = await call(client, "GET", path, f"{base}?{name}={none}", caller)

    assert theirs.status_code < 500
    # the id itself, where the page keeps it (a link, a hidden field, "Alert A12"), aside
    answers = [
        (r.status_code, same_words(r, [f"{name}={v}", f'value="{v}"', f"A{v}"]))
        for r, v in ((theirs, real), (nothing, none))
    ]
    assert answers[0] == answers[1]
    assert not [s for s in PRIVATE if s in theirs.text]


NOT_IDS = ("0", "-1", str(2**63), str(2**64), "1e3", "%00", "x" * 5000, "%F0%28%8C%28")
WITH_IDS = [p for p in GUARDED if p.values[2].path_parameters]


@pytest.mark.parametrize(("method", "path", "route", "handler"), WITH_IDS)
async def test_a_path_id_that_is_no_id_is_refused_without_a_server_error(
    world, method, path, route, handler
):
    """Zero, negative, past bigint and 64 bits, a float, NUL, 5,000 characters, invalid
    UTF-8: asked by someone the guard admits, each is a 4xx, and nothing is written."""
    client, conn, _, _ = world
    role = next(iter(sorted(admitted_roles(handler) or ())))
    person = await make_user(conn, role=role, authority="Rotherham")
    caller = {"api": person["headers"], "page": await page_session(conn, person["id"])}
    before = await counts(conn)
    wrong = []
    for bad in NOT_IDS:
        url = path
        for definition in route.path_parameters.values():
            url = url.replace("{" + definition.full + "}", bad)
        response = await call(client, method, path, url, caller)
        if not 400 <= response.status_code < 500:
            wrong.append(f"{bad[:20]}: {response.status_code}")
    assert wrong == [], f"{method} {path}: " + "; ".join(wrong)
    assert await counts(conn) == before


# Query parameters the pages read by hand (the API's are its handlers' own parameters)
PAGE_QUERY = ("from", "to", "page", "sort", "authority", "status", "purpose", "case_reference")
PAGE_QUERY += ("surname", "date_of_birth-year", "alert", "back", "done", "ref", "flagged")
NOT_VALUES = (str(2**64), "-1", "0000-00-00", "x" * 1000, "%F0%28", "1e400", "[]")
READS = [p for p in GUARDED if p.values[0] == "GET"]


@pytest.mark.parametrize(("method", "path", "route", "handler"), READS)
async def test_a_query_string_of_nonsense_is_never_a_server_error(
    world, method, path, route, handler
):
    """Every parameter past 64 bits, negative, 0000-00-00, 1,000 characters, invalid UTF-8, a
    float past any double, a list: asked by someone the guard admits, never a 5xx."""
    client, conn, seeded, _ = world
    roles = sorted(admitted_roles(handler) or ())
    role = "licensing_officer" if "licensing_officer" in roles else roles[0]
    person = await make_user(conn, role=role, authority="Rotherham")
    caller = {"api": person["headers"], "page": await page_session(conn, person["id"])}
    skip = {"request", "conn", "data", "state", "idempotency_key", *route.path_parameters}
    names = [n for n in handler.parsed_fn_signature.parameters if n not in skip]
    names += [] if is_api(path) else list(PAGE_QUERY)
    url = fill(route, seeded["ids"])
    wrong = []
    for bad in NOT_VALUES:
        response = await call(
            client, method, path, f"{url}?" + "&".join(f"{n}={bad}" for n in names), caller
        )
        if response.status_code >= 500:
            wrong.append(f"{bad[:12]}: {response.status_code}")
    assert wrong == [], f"{method} {path}: " + "; ".join(wrong)


# Every read that shows who one of Rotherham's drivers is, to the officer of the authority that
# recorded them, leaves a row in the audit log naming that officer: criminal-offence data, every
# access logged. Reads that show only the officer's own account or settings name no driver.
OWNER_READS = [p for p in OFFICER_ROUTES if p.values[0] == "GET"]
DRIVER_NAMES = ("Zephyrine", "Quillfeather", "Xanthippe", "Blackwoodley")


@pytest.mark.parametrize(("method", "path", "route", "handler"), OWNER_READS)
async def test_every_read_that_shows_a_driver_is_audited(
    world, callers, method, path, route, handler
):
    client, conn, seeded, people = world
    officer = people["rotherham_officer"]["id"]
    rows = "SELECT count(*) FROM audit_log WHERE user_id = $1"
    before = await conn.fetchval(rows, officer)
    response = await call(
        client, method, path, fill(route, seeded["ids"]), callers["rotherham_officer"]
    )
    shown = [name for name in DRIVER_NAMES if name in response.text]
    if not shown:
        return
    assert await conn.fetchval(rows, officer) > before, (
        f"{path} ({response.status_code}) showed {shown} and wrote no audit row"
    )
