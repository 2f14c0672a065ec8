"""The OpenAPI document is a contract a client generator can trust: it says who may call each
operation and how, which fields a body must carry, and every Location it promises resolves."""

import re
import uuid
from datetime import timedelta

import pytest

from licensing import openapi
from licensing.app import create_app
from licensing.settings import load
from registry import concerns, drivers, entries, licences, requests
from registry.fields import Choice, Date, Text, specs
from registry.today import london_today
from tests.factories import internal_id, make_driver, make_entry, make_licence, make_user

TODAY = london_today()


@pytest.fixture
async def client(db_url):
    """The service in-process, with webhook targets on loopback allowed (as the demo does)."""
    from litestar.testing import AsyncTestClient

    settings = {
        "DATABASE_URL": db_url,
        "CROSSCHECK_SCHEDULER": "false",
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
    }
    async with AsyncTestClient(app=create_app(load(settings))) as client:
        yield client


@pytest.fixture
async def document(client):
    return (await client.get("/schema/openapi.json")).json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield method, path, operation


async def test_options_lists_every_method_of_a_path(client, conn, document):
    officer = await make_user(conn, authority="Rotherham")
    for path, item in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        concrete = re.sub(r"\{(driver_id|list_id)\}", str(uuid.uuid4()), path)
        concrete = re.sub(r"\{[^}]+\}", "1", concrete)
        response = await client.options(concrete, headers=officer["headers"])
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == {m.upper() for m in item} | {"OPTIONS"}, path


async def test_every_guarded_operation_asks_for_a_bearer_token_and_public_ones_do_not(document):
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    public = {"/health", "/ready", "/register-counts"}
    for method, path, operation in operations(document):
        if path in public:
            assert operation["security"] == [], path
            assert "401" not in operation["responses"], path
        elif path.startswith("/api/"):
            assert operation["security"] == [{"bearer": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_each_app_serves_its_own_copy_of_the_one_document():
    """The document is built once a process; a second app gets an equal copy, not the same
    object, so nothing done to one app's document reaches another's."""
    first = openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/x"})))
    second = openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/y"})))
    assert second["paths"].keys() == first["paths"].keys() and second["paths"]
    assert second is not first and second["paths"] is not first["paths"]
    first["paths"].clear()
    third = openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/z"})))
    assert third["paths"].keys() == second["paths"].keys()


def test_schema_names_are_plain_words():
    document = openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/x"})))
    for name in document["components"]["schemas"]:
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", name), name


def test_every_text_a_client_may_send_in_a_body_says_it_refuses_nul():
    """The API refuses NUL in any text (422); a generator that trusts the document must not
    send one, optional fields (a oneOf of string and null) included. An uploaded file is bytes,
    not text."""
    document = openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/x"})))
    schemas = document["components"]["schemas"]
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
        for content in operation["requestBody"]["content"].values()
        if "$ref" in content.get("schema", {})
    }
    unsaid = [
        f"{body}.{name}"
        for body in sorted(bodies)
        for name, field in schemas[body].get("properties", {}).items()
        for arm in field.get("oneOf") or field.get("anyOf") or [field]
        if "string" in str(arm.get("type"))
        and not {"enum", "pattern"} & set(arm)
        and arm.get("format") != "binary"
    ]
    assert bodies and not unsaid, unsaid


def required_by_a_rule(schema) -> set[str]:
    """The fields the body's rules between fields (if/then/else) may ask for."""
    if isinstance(schema, list):
        return set().union(*map(required_by_a_rule, schema))
    if not isinstance(schema, dict):
        return set()
    rules = [schema.get(k) for k in ("if", "then", "else", "allOf", "anyOf", "oneOf", "not")]
    return set(schema.get("required", [])) | required_by_a_rule([r for r in rules if r])


async def test_an_empty_body_is_refused_naming_exactly_the_fields_the_document_requires(
    client, conn, document
):
    officer = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Rotherham")
    licence = await make_licence(conn, driver, authority="Rotherham")
    entry = await make_entry(conn, driver, authority="Rotherham")
    posts = {
        "/api/v1/drivers": "DriverDetails",
        f"/api/v1/drivers/{driver.public}/names": "NameDetails",
        "/api/v1/licences": "LicenceDetails",
        f"/api/v1/licences/{licence}/changes": "LicenceChange",
        "/api/v1/register-entries": "EntryDetails",
        f"/api/v1/register-entries/{entry}/changes": "EntryChange",
        "/api/v1/concerns": "ConcernDetails",
        "/api/v1/information-requests": "RequestDetails",
        "/api/v1/searches": "SearchRequest",
    }
    schemas = document["components"]["schemas"]
    for path, name in posts.items():
        response = await client.post(path, json={}, headers=officer["headers"])
        assert response.status_code == 422, path
        named = {e["field"] for e in response.json()["errors"]}
        required = set(schemas[name]["required"])
        either = required_by_a_rule(schemas[name])
        assert required <= named <= required | either, (path, named)
        assert schemas[name]["additionalProperties"] is False


async def test_opening_a_driver_needs_the_query_parameters_the_document_marks_required(
    client, conn, document
):
    officer = await make_user(conn, authority="Rotherham")
    driver = await make_driver(conn, recorded_by="Rotherham")
    parameters = document["paths"]["/api/v1/drivers/{driver_id}"]["get"]["parameters"]
    required = {p["name"] for p in parameters if p["in"] == "query" and p["required"]}
    assert required == {"purpose", "case_reference"}
    response = await client.get(f"/api/v1/drivers/{driver.public}", headers=officer["headers"])
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == required


async def test_every_location_a_write_answers_with_can_be_read(client, conn, document):
    officer = await make_user(conn, authority="Rotherham")
    admin = await make_user(conn, role="admin")
    headers = officer["headers"]
    other = await make_driver(conn, recorded_by="Sheffield", forenames="Amir", surname="Khan")
    await make_licence(conn, other, authority="Sheffield")
    their_entry = await make_entry(conn, other, authority="Sheffield")
    created = await client.post(
        "/api/v1/drivers",
        headers=headers,
        json={"forenames": "Jane", "surname": "Doe", "date_of_birth": "1985-01-02"},
    )
    driver = await internal_id(conn, created.json()["id"])
    writes = [
        created,
        await client.post(
            "/api/v1/licences",
            headers=headers,
            json={
                "driver_id": driver.public,
                "licence_number": "R1",
                "kind": "private_hire",
                "granted_on": TODAY.isoformat(),
            },
        ),
        await client.post(
            "/api/v1/register-entries",
            headers=headers,
            json={
                "driver_id": driver.public,
                "decision": "refused",
                "licence_kind": "private_hire",
                "decided_on": TODAY.isoformat(),
                "categories": ["harm"],
            },
        ),
        await client.post(
            "/api/v1/concerns",
            headers=headers,
            json={
                "driver_id": other.public,
                "recipient_authority": "E08000019",
                "categories": ["harm"],
                "narrative": "Seen driving while suspended elsewhere.",
                "became_aware_on": (TODAY - timedelta(days=1)).isoformat(),
            },
        ),
        await client.post(
            "/api/v1/information-requests",
            headers=headers,
            json={"entry_id": their_entry, "case_reference": "RMBC-1"},
        ),
        await client.post(
            f"/api/v1/drivers/{other.public}/identity-proposals",
            headers=headers,
            json={"surname": "Khan-Ali", "reason": "Married in 2025; seen on the DVLA check"},
        ),
        await client.post(
            "/api/v1/webhooks",
            headers=headers,
            json={"url": "http://127.0.0.1:9/hooks", "event_types": ["licence_granted"]},
        ),
    ]
    account = await client.post(
        "/api/v1/users",
        headers=admin["headers"],
        json={
            "email": "new@rotherham.gov.uk",
            "display_name": "New Officer",
            "role": "licensing_officer",
            "authority_code": "E08000018",
        },
    )
    token = await client.post(
        f"/api/v1/users/{account.json()['id']}/tokens",
        headers=admin["headers"],
        json={"label": "Back office"},
    )
    located = {
        path
        for method, path, operation in operations(document)
        if "Location" in operation["responses"].get("201", {}).get("headers", {})
    }
    assert {str(r.request.url.path) for r in [*writes, account, token]} == {
        path.replace("{driver_id}", str(other.public)).replace(
            "{user_id}", str(account.json()["id"])
        )
        for path in located
    }
    read = {"purpose": "new_application", "case_reference": "RMBC-1"}
    for response, caller in [
        *((w, headers) for w in writes),
        (account, admin["headers"]),
        (token, admin["headers"]),
    ]:
        assert response.status_code == 201, response.text
        location = response.headers["location"]
        template = re.sub(r"/(\d+|[0-9a-f-]{36})$", "/{id}", location)
        assert any(
            re.sub(r"\{[^}]+\}$", "{id}", path) == template and "get" in item
            for path, item in document["paths"].items()
        ), location
        shown = await client.get(location, headers=caller, params=read)
        assert shown.status_code == 200
        assert "secret" not in shown.json() and "token" not in shown.json()


# Reference data and one account's tokens are short, whole lists: no paging to do.
WHOLE_LISTS = {"/api/v1/authorities", "/api/v1/users/{user_id}/tokens"}


async def test_every_list_pages_the_same_way_with_items_and_a_next_link(document):
    schemas = document["components"]["schemas"]
    for method, path, operation in operations(document):
        if method != "get" or not path.startswith("/api/") or path in WHOLE_LISTS:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        assert schema.get("type") != "array", f"{path} answers a bare array"
        if "$ref" in schema and schema["$ref"].endswith("Page"):
            page = schemas[schema["$ref"].rsplit("/", 1)[1]]
            assert set(page["properties"]) == {"items", "next"}, path
            names = {p["name"] for p in operation.get("parameters", [])}
            assert {"limit"} <= names and names & {"cursor", "after"}, path


async def test_an_administrator_pages_through_accounts_by_the_next_link(client, conn):
    admin = await make_user(conn, role="admin")
    made = [(await make_user(conn, authority="Bolton"))["id"] for _ in range(5)]

    seen, link = [], "/api/v1/users?authority=E08000001&limit=2"
    while link:
        page = (await client.get(link, headers=admin["headers"])).json()
        assert len(page["items"]) <= 2
        seen += [u["id"] for u in page["items"]]
        link = page["next"]
    bad = await client.get("/api/v1/users?cursor=not-a-cursor", headers=admin["headers"])

    assert seen == made
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_a_nul_character_in_a_query_parameter_is_refused_naming_the_parameter(client, conn):
    admin = await make_user(conn, role="admin")
    response = await client.get(
        "/api/v1/users", params={"authority": "E08\x00000018"}, headers=admin["headers"]
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["authority"]


# Each recording body's struct, by the name of its component in the document
RECORDED_BODIES = {
    "LicenceDetails": licences.LicenceDetails,
    "LicenceChange": licences.LicenceChange,
    "EntryDetails": entries.EntryDetails,
    "EntryChange": entries.EntryChange,
    "ConcernDetails": concerns.ConcernDetails,
    "ConcernReply": concerns.ConcernReply,
    "RequestDetails": requests.RequestDetails,
    "RequestResponse": requests.RequestResponse,
    "DriverDetails": drivers.DriverDetails,
    # a change is checked by the declarations of the driver it changes, and requires nothing
    "DriverChanges": drivers.DriverDetails,
    "NameDetails": drivers.NameDetails,
}


def enum_of(schemas, schema) -> set[str]:
    refs = [schema.get("$ref")] + [arm.get("$ref") for arm in schema.get("anyOf", [])]
    (ref,) = [ref for ref in refs if ref]
    return set(schemas[ref.rsplit("/", 1)[1]]["enum"])


async def test_the_document_promises_each_recorded_field_as_the_registry_declares_it(document):
    """licensing/openapi.py builds each body from the registry's declarations
    (registry.fields.Spec), which are what check it, and adds its own words. A client that
    follows the document must never be refused for a field the document let it leave out, send
    longer, choose otherwise or write as other than a date."""
    schemas = document["components"]["schemas"]
    checked = 0
    for name, struct in RECORDED_BODIES.items():
        component = schemas[name]
        for field, spec in specs(struct).items():
            promised = component["properties"][field]
            if spec.required and name != "DriverChanges":
                assert field in component.get("required", []), f"{name}.{field} is required"
            if isinstance(spec, Text):
                assert promised.get("maxLength") == spec.max_length, f"{name}.{field} length"
            if isinstance(spec, Choice):
                assert enum_of(schemas, promised) == set(spec.choices), f"{name}.{field} choices"
            if isinstance(spec, Date):
                assert promised.get("format") == "date", f"{name}.{field} is a date"
            checked += 1
    assert checked >= 50
