"""Attack story: someone sends malformed bodies to every write route, hoping for a server error
or a half-written record.

Every POST, PUT and PATCH is collected from create_app() itself (a route added anywhere is
fuzzed without editing this file) and called by a role its guard admits, with bodies nested
thousands deep, invalid UTF-8, NUL characters, bodies over the size limit, and dates beyond what
Python or PostgreSQL can hold or a plausible register accepts. Each must answer 4xx and leave
every table of the register as it was.
"""

from __future__ import annotations

import json
import typing
from datetime import timedelta

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from licensing.app import create_app
from licensing.bodies import MAX_BODY_BYTES
from licensing.db import connect
from licensing.settings import load
from registry.today import london_today
from tests.conftest import described_app, new_database
from tests.factories import make_driver, make_entry, make_licence, make_user
from tests.test_access import SAMPLE_BY_NAME, SAMPLE_BY_TYPE, admitted_roles, operations

WRITE_METHODS = ("POST", "PUT", "PATCH")
PREFERENCE = ("licensing_officer", "dpo", "admin", "dft_analyst")
CALLERS = {"licensing_officer": "Rotherham", "dpo": "Rotherham", "admin": None, "dft_analyst": None}

# Tables whose rows a refused request may still add: the audit trail of the attempt, the
# bookkeeping of who is signed in, and the limiters' counters (an attempt counts).
NOT_THE_REGISTER = {"audit_log", "sign_in_attempt", "web_session", "usage_count"}

BAD_DATES = (
    "9999-12-31",  # Python's last day: any sum past it overflows
    "10000-01-01",  # beyond Python's date
    "5874898-01-01",  # beyond PostgreSQL's date
    "0000-00-00",  # MySQL's "no date"
    "2025-02-29",  # not a leap year
    "0001-01-01",
    "2999-01-01",  # a far-future grant or decision
    (london_today() - timedelta(days=1)).isoformat(),  # a driver born yesterday
)


# What a caller typed, in every text field: an answer never says it back (messages say what to
# do, never what was typed), so no personal data sent in error is echoed to logs or screens.
TYPED = "Typed-Ophelia"


def deep(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def json_bodies(fields: list[str], dates: list[str], ids: list[str]) -> dict[str, bytes | str]:
    filled = dict.fromkeys(fields, TYPED)
    bodies: dict[str, bytes | str] = {
        "nested arrays 10,000 deep": b"[" * 10_000 + b"]" * 10_000,
        "nested objects 5,000 deep": deep(5_000),
        "a field nested 2,000 deep": b'{"%s":' % (fields or ["x"])[0].encode()
        + b"[" * 2_000
        + b"]" * 2_000
        + b"}",
        "invalid UTF-8": b'{"forenames": "\xff\xfe\xc3"}',
        "UTF-16": json.dumps(filled).encode("utf-16"),
        "a lone surrogate": b'{"forenames": "\\ud800"}',
        "NUL in every field": json.dumps(dict.fromkeys(fields, "a\x00b") or {"x": "\x00"}).encode(),
        "NUL in a key": b'{"a\\u0000": 1}',
        "over the size limit": b'{"narrative": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}',
        "truncated": b'{"forenames": "Ste',
        "a huge number": b'{"driver_id": 1' + b"0" * 5000 + b"}",
    }
    for bad in BAD_DATES:
        bodies[f"dates {bad}"] = json.dumps({**filled, **dict.fromkeys(dates, bad)}).encode()
    for name, wrong in (("objects", {"a": [1]}), ("numbers", 12345), ("lists", ["x"])):
        bodies[f"every field as {name}"] = json.dumps(dict.fromkeys(fields, wrong)).encode()
    bodies["every field 300,000 characters"] = json.dumps(dict.fromkeys(fields, "x" * 300_000))
    bodies["ids past bigint"] = json.dumps({**filled, **dict.fromkeys(ids, 2**63)}).encode()
    bodies["ids past 64 bits"] = json.dumps({**filled, **dict.fromkeys(ids, 2**64)}).encode()
    bodies["ids negative"] = json.dumps({**filled, **dict.fromkeys(ids, -(2**63) - 1)}).encode()
    return {
        name: body if isinstance(body, bytes) else body.encode() for name, body in bodies.items()
    }


def form_bodies(dates: list[str]) -> dict[str, bytes]:
    bodies = {
        "invalid UTF-8": b"forenames=%FF%FE&surname=\xff\xfe",
        "NUL characters": b"forenames=a%00b&surname=%00&email=%00&password=%00",
        "over the size limit": b"narrative=" + b"x" * (MAX_BODY_BYTES + 10),
        "deep brackets": b"a" + b"[a]" * 5_000 + b"=1",
    }
    for bad in ("99999", "10000", "0", "-1"):
        parts = [f"{name}-day=31&{name}-month=12&{name}-year={bad}" for name in dates]
        bodies[f"dates in year {bad}"] = "&".join(parts).encode()
    return bodies


def struct_fields(handler, kind: type = str) -> list[str]:
    """The fields of the handler's JSON body that take `kind`: text (dates arrive as text
    too), or int (the ids of records)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return []
    body = data.annotation
    for arg in typing.get_args(body) or (body,):
        if isinstance(arg, type) and issubclass(arg, msgspec.Struct):
            return [f.name for f in msgspec.structs.fields(arg) if takes(f.type, kind)]
    return []


def takes(annotation: object, kind: type) -> bool:
    """Whether a field's type admits `kind` (through Optional, Annotated and unions)."""
    return annotation is kind or any(takes(arg, kind) for arg in typing.get_args(annotation))


def is_date_field(name: str) -> bool:
    return name.endswith("_on") or "date" in name or name in ("from", "to")


# Date fields the pages' forms use (GOV.UK day/month/year inputs), from every API body.
def page_date_fields(app) -> list[str]:
    found = {"date_of_birth", "granted_on", "decided_on", "responded_on"}
    for _, _, _, handler in operations(app):
        found |= {name for name in struct_fields(handler) if is_date_field(name)}
    return sorted(found)


async def counts(conn) -> dict[str, int]:
    tables = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return {
        t["tablename"]: await conn.fetchval(f'SELECT count(*) FROM "{t["tablename"]}"')
        for t in tables
        if t["tablename"] not in NOT_THE_REGISTER
    }


@pytest.fixture(scope="module")
async def target(cluster, template_url):
    """A register with one record of each kind at the caller's authority, and a caller per role."""
    url = await new_database(cluster, template_url)
    conn = await connect(url)
    headers = {
        role: (await make_user(conn, role=role, authority=authority))["headers"]
        for role, authority in CALLERS.items()
    }
    driver = await make_driver(conn, recorded_by="Rotherham")
    licence = await make_licence(conn, driver, authority="Rotherham")
    entry = await make_entry(conn, driver, authority="Rotherham")
    samples = {
        **SAMPLE_BY_NAME,
        "driver_id": driver.public,
        "licence_id": str(licence),
        "entry_id": str(entry),
    }
    app = create_app(load({"DATABASE_URL": url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app) as client:
        await client.get("/health")
        csrf = client.cookies.get("csrftoken")
        yield client, conn, headers, samples, csrf
    await conn.close()


def path_for(route, samples: dict[str, str]) -> str:
    path = route.path
    for name, definition in route.path_parameters.items():
        value = samples.get(name) or SAMPLE_BY_TYPE.get(definition.type, "sample")
        path = path.replace("{" + definition.full + "}", value)
    return path


WRITES = [op for op in operations(described_app()) if op[0] in WRITE_METHODS]


def test_there_are_write_routes_to_fuzz():
    assert len([op for op in WRITES if op[1].startswith("/api/")]) >= 15


@pytest.mark.parametrize(
    ("method", "path", "route", "handler"),
    [pytest.param(*op, id=f"{op[0]} {op[1]}") for op in WRITES],
)
async def test_malformed_bodies_get_a_4xx_and_write_nothing(target, method, path, route, handler):
    client, conn, headers, samples, csrf = target
    roles = admitted_roles(handler) or set()
    role = next((r for r in PREFERENCE if r in roles), None)
    caller = dict(headers.get(role, {}))
    if csrf:
        caller["x-csrftoken"] = csrf
    fields = struct_fields(handler)
    if path.startswith("/api/"):
        ids = [f for f in struct_fields(handler, int) if f.endswith("_id")]
        bodies = json_bodies(fields, [f for f in fields if is_date_field(f)], ids)
        content_type = "application/json"
    else:
        bodies = form_bodies(page_date_fields(client.app))
        content_type = "application/x-www-form-urlencoded"
    url = path_for(route, samples)
    before = await counts(conn)
    wrong = []
    for name, body in bodies.items():
        response = await client.request(
            method, url, content=body, headers={**caller, "content-type": content_type}
        )
        if response.status_code >= 500:
            wrong.append(f"{name}: {response.status_code}")
        elif path.startswith("/api/") and response.status_code < 400:
            wrong.append(f"{name}: accepted with {response.status_code}")
        elif path.startswith("/api/") and not response.headers["content-type"].startswith(
            "application/problem+json"
        ):
            wrong.append(f"{name}: not problem+json")
        elif TYPED in response.text:
            wrong.append(f"{name}: says back what was typed")
        elif path.startswith("/api/") and response.status_code == 422:
            # a 422 is about fields: it names each one (a 400 may be about the body as a whole)
            named = [e.get("field") for e in response.json().get("errors", [])]
            if not named or not all(named):
                wrong.append(f"{name}: 422 naming no field")
        after = await counts(conn)
        if after != before:
            changed = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
            wrong.append(f"{name}: wrote {changed}")
            before = after
    assert wrong == [], f"{method} {url}: " + "; ".join(wrong)
