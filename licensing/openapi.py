"""The OpenAPI document as a contract: what litestar generates, made exact.

Request bodies are read leniently on purpose (every field optional to the decoder) so that a
request missing several fields is answered once, naming each of them. The document must still
say what a client has to send. For a recording body the registry's declarations
(registry.fields.Spec) say it: which fields are required, each text's maximum length, each
choice's codes, which fields are dates; this module adds only the document's own words
(descriptions, examples, named enums) and the fields the registry does not declare. The other
bodies are stated here whole, their enums from the same tuples the validators use.
tests/test_api_contract.py checks that an empty body is refused naming exactly the fields
marked required.

It also adds the bearer scheme to every guarded operation, marks the query parameters a
handler insists on as required, and fixes litestar's OPTIONS answer for paths whose methods
are spread over several handlers.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, NamedTuple, cast

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.routes import HTTPRoute

from registry import concerns, drivers, entries, licences, requests
from registry.accounts import AUTHORITY_ROLES, MAX_PASSWORD, MAX_TOKEN_DAYS, MIN_PASSWORD, ROLES
from registry.audit_log import PURPOSES
from registry.concerns import REPLY_DECISIONS
from registry.drivers import NAME_KINDS
from registry.duplicates.review import ALIASES as DUPLICATE_ALIASES
from registry.duplicates.review import DECISIONS as DUPLICATE_DECISIONS
from registry.duplicates.review import STATUSES as PAIR_STATUSES
from registry.entries import DECISIONS, STATUSES
from registry.feed import KINDS as EVENT_KINDS
from registry.fields import (
    CATEGORIES,
    LICENCE_KINDS,
    MIN_DRIVER_AGE,
    Categories,
    Choice,
    Date,
    Identifier,
    Spec,
    Text,
    specs,
)
from registry.licences import ACTIONS
from registry.licences import STATUSES as LICENCE_STATUSES
from registry.requests import RESPONSES
from registry.requests import STATUSES as REQUEST_STATUSES
from registry.search import MAX_LIMIT as SEARCH_LIMIT

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token (cc_...) issued by your authority's administrator.",
}

# Printable (no control character: the validators refuse them) and not only spaces.
NOT_BLANK = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
INT64_MAX = 2**63 - 1
GSS_CODE = r"^\s*([A-Za-z][0-9]{8}|[Tt][Ff][Ll])\s*$"


# registry.accounts.EMAIL, as the API checks every address it is given.
EMAIL_ADDRESS = {
    "type": "string",
    "pattern": r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$",
    "maxLength": 254,
}


def text(description: str, max_length: int = 100, example: str | None = None) -> dict[str, Any]:
    schema = {"type": "string", "description": description, "maxLength": max_length}
    if example is not None:
        schema["examples"] = [example]
    return schema


def required_text(
    description: str, max_length: int = 100, example: str | None = None
) -> dict[str, Any]:
    return {**text(description, max_length, example), "minLength": 1, "pattern": NOT_BLANK}


# The validators take dates from 2 January 1900 to a hundred years ahead.
DAY = r"^\s*(19\d\d|20\d\d|21[01]\d|212[0-5])-\d\d-\d\d\s*$"


EXAMPLE_DAY = "2026-04-01"


def day(description: str, example: str = EXAMPLE_DAY) -> dict[str, Any]:
    return {
        "type": "string",
        "format": "date",
        "pattern": DAY,
        "description": description,
        "examples": [example],
    }


def one_of(values: tuple[str, ...], description: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values), "description": description}


# Every enum is one named component, referenced wherever it is used (a body's field, an
# array's items, a query parameter), so a generated client has one readable type for it (Sex,
# LicenceKind, ...), not one named after each field's path. An optional one is anyOf the
# reference and null. refine() finds each inline enum by its values: a new enum needs a name
# here, or the document is not built.
ENUMS: dict[str, tuple[tuple[str, ...], str]] = {
    "Purpose": (PURPOSES, "Why the register is read (written to the audit log)"),
    "Sex": (("F", "M"), "Sex as on the driving licence"),
    "LicenceKind": (LICENCE_KINDS, "Kind of driver licence"),
    "LicenceStatus": (LICENCE_STATUSES, "A licence's status"),
    "LicenceAction": (ACTIONS, "What happened to a licence"),
    "Category": (CATEGORIES, "An s.1 category of relevant information"),
    "EntryDecision": (DECISIONS, "A decision entered on the register (s.2)"),
    "EntryStatus": (STATUSES, "A register entry's status"),
    "NameKind": (NAME_KINDS, "alias: another spelling; former: a name used before"),
    "ReplyDecision": (REPLY_DECISIONS, "What the licensing authority decided about a concern"),
    "RequestAnswer": (RESPONSES, "How an information request was answered"),
    "RequestStatus": (REQUEST_STATUSES, "An information request's state"),
    "Box": (("received", "sent"), "received: sent to your authority; sent: by it"),
    "ConcernState": (("open", "answered"), "open: not yet answered (s.6); answered"),
    "PairStatus": ((*PAIR_STATUSES, "all"), "A possible duplicate's state (all: any)"),
    "DuplicateDecision": (
        (*DUPLICATE_DECISIONS, *DUPLICATE_ALIASES),
        "same_person or different_people (not_this_driver is different_people)",
    ),
    "DeliveryStatus": (("pending", "sending", "delivered", "dead"), "A webhook delivery's state"),
    "AlertDelivery": (("immediate", "digest"), "Each alert at once, or a daily digest"),
    "EventKind": (EVENT_KINDS, "A kind of register event"),
    "Role": (ROLES, "What an account may do"),
}
ENUM_NAMES = {frozenset(values): name for name, (values, _) in ENUMS.items()}
# what an enum's use says beside the reference
BESIDE = ("description", "examples", "default")


def purpose(description: str) -> dict[str, Any]:
    return {**one_of(PURPOSES, description), "examples": ["new_application"]}


def record_id(description: str) -> dict[str, Any]:
    """A record's number (the register's ids are 32-bit)."""
    return {"description": description, "minimum": 1, "maximum": 2**31 - 1, "examples": [1]}


# A name searched for has a letter in it.
NAME = r"^[^\x00-\x1f\x7f]*[^\W\d_][^\x00-\x1f\x7f]*$"
# The rest of the API refuses NUL in any text (licensing/bodies.py).
NO_NUL = r"^[^\x00]*$"


def driver_id(description: str = "The driver on the register: their public id") -> dict[str, Any]:
    """Drivers are named by an opaque public id, never by a counter."""
    return {
        "type": "string",
        "format": "uuid",
        "description": description,
        "examples": ["3f0c8a4e-8d2b-4f55-9a7e-2c1b6d0e9f41"],
    }


def authority(description: str, example: str = "E08000018") -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": GSS_CODE,
        "description": description,
        "examples": [example],
    }


class Words(NamedTuple):
    """What the document says about a declared field (registry.fields.Spec): the kind, the
    bounds, the codes and whether it is required come from the declaration."""

    description: str
    example: str | list[str] | None = None


def declared(spec: Spec, words: Words) -> dict[str, Any]:
    """A declared field's schema: what the registry checks, in the document's words."""
    if isinstance(spec, Text):
        made = required_text if spec.required else text
        return made(words.description, spec.max_length, cast("str | None", words.example))
    if isinstance(spec, Choice):
        return one_of(spec.choices, words.description)
    if isinstance(spec, Date):
        return day(words.description, cast(str, words.example or EXAMPLE_DAY))
    assert isinstance(spec, Categories), f"{spec} has nothing to declare in the document"
    return {
        "type": "array",
        "items": {"type": "string", "enum": list(CATEGORIES)},
        "minItems": 1,
        "description": words.description,
        "examples": [words.example],
    }


def body(
    struct: type,
    fields: dict[str, Words | dict[str, Any]],
    *,
    also_required: tuple[str, ...] = (),
    changes: bool = False,
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """A recording body: the fields a client must send and each field's schema, from the
    struct's declarations (registry.fields.Spec) and the words given here. A field the
    registry does not declare (an id, an authority) or declares as an identifier (its written
    form is the identifier's own) is given whole, with also_required saying if it must be
    sent. A change (`changes`) is checked by the struct's declarations but requires nothing:
    what is left out stays as it is."""
    specs_ = specs(struct)
    schemas = {}
    for name, said in fields.items():
        spec = specs_.get(name)
        if isinstance(said, Words):
            assert spec, f"{struct.__name__}.{name} is not declared: give its schema"
            schemas[name] = declared(spec, said)
        else:
            assert spec is None or isinstance(spec, Identifier), f"{name}: give Words"
            schemas[name] = said
    required = () if changes else tuple(n for n, spec in specs_.items() if spec.required)
    return required + also_required, schemas


CATEGORY_WORDS = Words(
    "The s.1 categories of relevant information the decision relies on", ["sexual_offence"]
)

DRIVER_FIELDS: dict[str, Words | dict[str, Any]] = {
    "forenames": Words("Forenames as on the driving licence", "Stephen John"),
    "surname": Words("Surname as on the driving licence", "Walker"),
    "date_of_birth": Words(f"Date of birth (at least {MIN_DRIVER_AGE} years ago)", "1980-05-17"),
    "sex": Words("Sex as on the driving licence (lower case accepted)"),
    "gb_licence_number": text("GB driving licence number (16 characters)", 30, "WALKE805175SJ9AB"),
    "ni_licence_number": text("Northern Ireland driving licence number (8 digits)", 30),
    "ni_number": text("National Insurance number", 30, "AB123456C"),
    "eu_licence_number": text("EU driving licence number, with eu_licence_country", 40),
    "eu_licence_country": text("ISO country code of the EU licence", 2, "IE"),
    "address": Words("Home address", "1 High Street, Rotherham"),
    "postcode": text("Home postcode", 10, "S60 1AA"),
    "home_authority": authority("GSS code of the authority where the driver lives"),
}

# Component name -> the fields a client must send, and what to say about each field.
BODIES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "DriverDetails": body(
        drivers.DriverDetails,
        {
            **DRIVER_FIELDS,
            "search_id": {
                "type": "string",
                "format": "uuid",
                "description": "Your authority's register search that found nobody",
            },
        },
    ),
    # a change is checked by the declarations of the driver it changes
    "DriverChanges": body(drivers.DriverDetails, DRIVER_FIELDS, changes=True),
    "NameDetails": body(
        drivers.NameDetails,
        {
            "kind": Words("alias: another spelling; former: a name used before"),
            "forenames": Words("Forenames", "Steve"),
            "surname": Words("Surname", "Walker"),
            "date_of_birth": Words("Date of birth under this name (default: the driver's)"),
        },
    ),
    "LicenceDetails": body(
        licences.LicenceDetails,
        {
            "driver_id": driver_id(),
            "licence_number": Words("Your authority's licence number", "RMBC/2026/0142"),
            "kind": Words("Kind of driver licence"),
            "granted_on": Words("Day the licence was granted"),
            "starts_on": Words("First day of the licence (default: granted_on)"),
            "expires_on": Words("Last day (default and at most: 3 years after starts_on)"),
        },
        also_required=("driver_id",),
    ),
    "LicenceChange": body(
        licences.LicenceChange,
        {
            "action": Words("What happened to the licence"),
            "effective_on": Words("Day the change takes effect (default: today)"),
            "expires_on": Words("A renewal's new expiry (only for renewed)"),
        },
    ),
    "EntryDetails": body(
        entries.EntryDetails,
        {
            "driver_id": driver_id(),
            "licence_id": record_id("Your licence the decision is about, if any"),
            "decision": Words("The decision (s.2)"),
            "licence_kind": Words("Kind of licence (default: the licence's)"),
            "decided_on": Words("Day the decision was made (today or earlier)"),
            "effective_on": Words("Day it takes effect (default: decided_on)"),
            "categories": CATEGORY_WORDS,
            "narrative": Words("What happened; shown only to authorities you grant it"),
        },
        also_required=("driver_id",),
    ),
    "EntryChange": body(
        entries.EntryChange,
        {
            "status": Words("The entry's new status"),
            "changed_on": Words("Day of the change (default: today)"),
            "reason": Words("Why it changed", "Appeal allowed by the magistrates"),
        },
    ),
    "ConcernDetails": body(
        concerns.ConcernDetails,
        {
            "driver_id": driver_id(),
            "recipient_authority": authority("GSS code of the authority licensing the driver"),
            "licence_id": record_id("That authority's licence the concern is about, if known"),
            "categories": CATEGORY_WORDS,
            "narrative": Words("The account of the concern"),
            "became_aware_on": Words("Day your authority became aware (today or earlier)"),
            "reported_on": Words("Day of the report (default: today)"),
        },
        also_required=("driver_id", "recipient_authority"),
    ),
    "ConcernReply": body(
        concerns.ConcernReply,
        {
            "decision": Words("What your authority decided (s.6)"),
            "reply_on": Words("Day of the reply (default: today)"),
            "reason": Words("The reasons for the decision"),
        },
    ),
    "RequestDetails": body(
        requests.RequestDetails,
        {
            "entry_id": record_id("Another authority's register entry"),
            "case_reference": Words("Your case reference", "RMBC-2026-0142"),
            "reason": Words("Why you need the information"),
            "requested_on": Words("Day of the request (default: today)"),
        },
        also_required=("entry_id",),
    ),
    "RequestResponse": body(
        requests.RequestResponse,
        {
            "status": Words("granted: the information is in response; refused: why"),
            "response": Words("The information, or the reason for refusing"),
            "responded_on": Words("Day of the answer (default: today)"),
        },
    ),
    "AuthorityPatch": (
        (),
        {
            "alert_email": {
                **EMAIL_ADDRESS,
                "description": "Where the authority's alert emails go; null stops them",
                "examples": ["licensing@rotherham.gov.uk"],
            },
            "dpo_email": {
                **EMAIL_ADDRESS,
                "description": "The data protection officer's address, for alerts about "
                "officers' use of the register (never names anyone); null stops them",
                "examples": ["dpo@rotherham.gov.uk"],
            },
            "information_contact": text(
                "How other authorities reach the licensing team about an entry", 1000
            ),
        },
    ),
    "NewUser": (
        ("email", "display_name", "role"),
        {
            "email": {
                **EMAIL_ADDRESS,
                "description": "The person's work email address (unique)",
                "examples": ["officer@rotherham.gov.uk"],
            },
            "display_name": {
                **text("The person's name", 120, "Sam Patel"),
                "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$",
            },
            "role": one_of(ROLES, "What the account may do"),
            "authority_code": authority("GSS code of their authority (officers and DPOs only)"),
            "password": {
                **text("A first password for signing in to the pages", MAX_PASSWORD),
                "minLength": MIN_PASSWORD,
            },
        },
    ),
    "NewToken": (
        ("label",),
        {
            "label": required_text("What the token is for", 120, "Back-office system"),
            "days": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_TOKEN_DAYS,
                "description": "Days until the token expires",
                "default": 365,
            },
        },
    ),
    "NewSubscription": (
        ("url", "event_types"),
        {
            "url": {
                "type": "string",
                "format": "uri",
                "pattern": "^https://",
                "maxLength": 2000,
                "description": "An https address on the public internet to POST events to",
                "examples": ["https://backoffice.example.org/crosscheck-hooks"],
            },
            "event_types": {
                "type": "array",
                "items": {"type": "string", "enum": list(EVENT_KINDS)},
                "minItems": 1,
                "uniqueItems": True,
                "description": "The kinds of register event to send",
                "examples": [["licence_granted"]],
            },
            "description": text("A note for your administrators", 200),
        },
    ),
    "Decision": (
        ("decision",),
        {
            "decision": one_of(
                (*DUPLICATE_DECISIONS, *DUPLICATE_ALIASES),
                "same_person links the two records; different_people is remembered (the"
                " pair is never raised again); not_this_driver, the re-screening word, is"
                " different_people",
            ),
        },
    ),
    "SearchRequest": (
        ("purpose", "case_reference"),
        {
            "purpose": purpose("Why you search (written to the audit log)"),
            "case_reference": required_text("Your case reference", 60, "RMBC-2026-0142"),
            "identifier": text("GB or NI driving licence number, or NI number", 40),
            "forenames": {
                **text("Forenames (with surname and date_of_birth)", 100, "Stephen"),
                "pattern": NAME,
            },
            "surname": {
                **text("Surname (with forenames and date_of_birth)", 100, "Walker"),
                "pattern": NAME,
            },
            "date_of_birth": {
                "type": "string",
                "pattern": r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\s*$",
                "description": "Date of birth, YYYY-MM-DD or DD/MM/YYYY",
                "examples": ["1980-05-17"],
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": SEARCH_LIMIT,
                "description": "Most results to return",
            },
        },
    ),
}


def _given(name: str) -> dict[str, Any]:
    """The field is sent with a value (null counts as left out)."""
    return {"required": [name], "properties": {name: {"not": {"type": "null"}}}}


# Component name -> the rules between fields a flat list of required ones cannot say. They are
# written with if/then/else, which validators and schemathesis read and client generators pass
# over, so a generated client keeps one model for the body (oneOf/anyOf would split it in two).
NAMES = ("forenames", "surname", "date_of_birth")
ALTERNATIVES: dict[str, dict[str, Any]] = {
    # Officers and DPOs belong to an authority; analysts and administrators to none.
    "NewUser": {
        "if": {"properties": {"role": {"enum": list(AUTHORITY_ROLES)}}},
        "then": _given("authority_code"),
        "else": {"properties": {"authority_code": {"type": "null"}}},
    },
    # The kind comes from the licence when one is named.
    "EntryDetails": {"if": {"not": _given("licence_id")}, "then": _given("licence_kind")},
    # Search by an identifier, or by name and date of birth, never both.
    "SearchRequest": {
        "if": _given("identifier"),
        "then": {"not": {"anyOf": [_given(f) for f in NAMES]}},
        "else": {"allOf": [_given(f) for f in NAMES]},
    },
}

# (method, path) -> query parameters a handler refuses to run without (422 naming each).
REQUIRED_QUERY = {
    ("get", "/api/v1/drivers/{driver_id}"): {
        "purpose": purpose("Why you open the record (written to the audit log)"),
        "case_reference": required_text("Your case reference", 60, "RMBC-2026-0142"),
    },
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null arm of an optional field's schema (litestar writes oneOf [X, null])."""
    arms = [a for a in schema.get("oneOf", []) if a.get("type") != "null"]
    if len(arms) == 1:
        rest = {k: v for k, v in schema.items() if k != "oneOf"}
        return {**arms[0], **rest}
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if not schema.get("type") or schema["type"] == "null" or isinstance(schema["type"], list):
        return schema
    if "enum" in schema:  # a generator reads anyOf [enum, null] as an optional enum
        said = {k: v for k, v in schema.items() if k in ("description", "examples", "default")}
        value = {k: v for k, v in schema.items() if k not in said}
        return {"anyOf": [value, {"type": "null"}], **said}
    return {**schema, "type": [schema["type"], "null"]}


# Optional fields whose struct has a default but does not take None (litestar cannot tell).
NEVER_NULL = {
    "DriverChanges": ("forenames", "surname", "date_of_birth"),
    "NewToken": ("days",),
    "NewSubscription": ("description",),
    "AuthorityPatch": ("information_contact",),
}


def _describe_body(
    component: dict[str, Any], required: tuple[str, ...], fields: dict[str, Any]
) -> None:
    properties = component.get("properties", {})
    unknown = (set(required) | set(fields)) - set(properties)
    assert not unknown, f"described fields that do not exist: {sorted(unknown)}"
    for name, said in fields.items():
        # a shared schema ($ref) replaces what litestar wrote
        merged = said if "$ref" in said else {**_without_null(properties[name]), **said}
        # A required field must be sent with a value; an optional one may be left out, and
        # sent as null where the struct takes None.
        nullable = name not in required and name not in NEVER_NULL.get(component["title"], ())
        properties[name] = _nullable(merged) if nullable else merged
    component["required"] = sorted(required)
    component["additionalProperties"] = False  # the structs forbid unknown fields


def _named_enum(schema: dict[str, Any]) -> dict[str, Any]:
    """An inline enum as a reference to its named component, null an arm beside it."""
    values = [value for value in schema["enum"] if value is not None]
    name = ENUM_NAMES.get(frozenset(values))
    assert name, f"name the enum {values} in licensing.openapi.ENUMS"
    said = {key: value for key, value in schema.items() if key in BESIDE}
    ref = {"$ref": f"#/components/schemas/{name}"}
    kinds = schema.get("type")
    if len(values) < len(schema["enum"]) or (isinstance(kinds, list) and "null" in kinds):
        return {"anyOf": [ref, {"type": "null"}], **said}
    return {**ref, **said}


def _inline_enums(node: object) -> None:
    """Replace every inline enum below node (the rules of an if/then/else are left as they
    are: they restate a field's values, they do not declare one)."""
    if isinstance(node, dict):
        items = [(key, value) for key, value in node.items() if key not in ("if", "then", "else")]
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, value in items:
        if isinstance(value, dict) and "enum" in value:
            node[key] = _named_enum(value)
        else:
            _inline_enums(value)


def _name_enums(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    _inline_enums(document["paths"])
    for name in [name for name in schemas if name not in ENUMS]:
        _inline_enums(schemas[name])
    for name, (values, description) in ENUMS.items():
        schemas[name] = {
            "type": "string",
            "enum": list(values),
            "title": name,
            "description": description,
        }


def _guarded(app: Litestar) -> dict[tuple[str, str], bool]:
    guarded = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for method, (handler, _) in route.route_handler_map.items():
                guarded[(method.lower(), route.path_format)] = bool(handler.resolve_guards())
    return guarded


GENERIC = re.compile(r"^(\w+?)_+(?:[\w]+\.)*(\w+?)_*$")


def _plain_names(document: dict[str, Any]) -> dict[str, Any]:
    """Page[registry.licences.Licence] is named LicencePage, not by its module path."""
    schemas = document.get("components", {}).get("schemas", {})
    renames = {}
    for name in schemas:
        if "." in name and (match := GENERIC.match(name)):
            renames[name] = match.group(2) + match.group(1)
    if not renames:
        return document
    text = json.dumps(document)
    for old, new in renames.items():
        text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    document = json.loads(text)
    schemas = document["components"]["schemas"]
    for old, new in renames.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    return document


RATE_HEADERS = {
    "RateLimit-Policy": {
        "description": 'The token\'s quota: "default";q=REQUESTS;w=SECONDS',
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What is left: "default";r=REMAINING;t=SECONDS_TO_RESET',
        "schema": {"type": "string"},
    },
}
TOO_MANY = {
    "description": "This API token made more requests this minute than the service allows "
    "(API_REQUESTS_PER_MINUTE, 1,200 unless set): wait the Retry-After seconds",
    "headers": {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
        **RATE_HEADERS,
    },
    "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    },
}


IDEMPOTENCY_KEY = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "pattern": r"^[!-~]([ -~]*[!-~])?$",
    "description": "Any unique string of 1 to 255 printable characters (a UUID)",
    "examples": ["5d1f7a3c-6a0e-4c1e-9d55-0b7c3f1f2a10"],
}

# What a CSV import sends: the files, by the field names the handler reads.
IMPORT_FILES = {
    "type": "object",
    "title": "ImportFiles",
    "required": ["drivers"],
    "additionalProperties": False,  # any other part is refused, naming it
    "properties": {
        name: {"type": "string", "format": "binary", "description": description}
        for name, description in (
            ("drivers", "The drivers file (CSV, docs/import-format.md)"),
            ("licences", "The licences file (CSV), if any"),
            ("decisions", "The register decisions file (CSV), if any"),
        )
    },
}


# Query parameters the compliance figures read as left out when they are empty, as the pages
# send them from a form.
BLANK_ALLOWED = ("quarter", "financial_year", "period_start", "period_end", "snapshot")


def _free_text(schema: dict[str, Any]) -> bool:
    """A string with no enum, format or pattern of its own (null allowed)."""
    arms = schema.get("oneOf") or [schema]
    kinds = [a.get("type") for a in arms]
    said = any(k in a for a in [schema, *arms] for k in ("enum", "format", "pattern", "const"))
    return "string" in kinds and set(kinds) <= {"string", "null"} and not said


def _parameter_schema(parameter: dict[str, Any]) -> None:
    """A header or path parameter is never null, and its integer bounds are integers
    (litestar writes 2**63 - 1 as a float, which a generator rounds past the bound)."""
    schema = parameter.get("schema", {})
    if parameter.get("in") in ("header", "path"):  # a query may say null: litestar reads None
        schema = _without_null(schema)
    for bound in ("minimum", "maximum"):
        if isinstance(schema.get(bound), float) and schema.get("type") == "integer":
            schema[bound] = min(int(schema[bound]), INT64_MAX)
    if parameter.get("in") == "query" and _free_text(schema):  # licensing.bodies
        schema["pattern"] = NO_NUL
    if parameter["name"] in BLANK_ALLOWED and parameter.get("in") == "query":
        schema = {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
    if parameter["name"] == "Idempotency-Key":
        schema = {**IDEMPOTENCY_KEY, "description": schema.get("description", "")}
    parameter["schema"] = schema


def _no_nul(field: dict[str, Any]) -> None:
    """A text field of a body refuses NUL (licensing.bodies): say so on it, or on the string
    arm of an optional one (`str | None` is a oneOf of string and null)."""
    for arm in field.get("oneOf") or field.get("anyOf") or [field]:
        kinds = arm.get("type")
        text = "string" in (kinds if isinstance(kinds, list) else [kinds])
        if text and "enum" not in arm:
            arm.setdefault("pattern", NO_NUL)


def _request_bodies(document: dict[str, Any]) -> None:
    """Request bodies refuse unknown fields (the structs forbid them), and the import names
    the files it reads."""
    schemas = document["components"]["schemas"]
    for item in document.get("paths", {}).values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not body:
                continue
            for media, content in body.get("content", {}).items():
                ref = content.get("schema", {}).get("$ref", "")
                if ref:
                    component = schemas[ref.rsplit("/", 1)[1]]
                    component["additionalProperties"] = False
                    for field in component.get("properties", {}).values():
                        _no_nul(field)
                elif media == "multipart/form-data":
                    schemas["ImportFiles"] = IMPORT_FILES
                    content["schema"] = {"$ref": "#/components/schemas/ImportFiles"}


# The operations that answer 201 with the created record's Location (licensing/problems.py
# HREFS), and where the record a POST creates lives when that is not below the POST's path.
LOCATED = (
    "/api/v1/drivers",
    "/api/v1/licences",
    "/api/v1/register-entries",
    "/api/v1/concerns",
    "/api/v1/information-requests",
    "/api/v1/drivers/{driver_id}/identity-proposals",
    "/api/v1/users",
    "/api/v1/users/{user_id}/tokens",
    "/api/v1/webhooks",
)
HOMES = {
    "/api/v1/drivers/{driver_id}/identity-proposals": "/api/v1/identity-proposals",
    "/api/v1/users/{user_id}/tokens": "/api/v1/tokens",
}
CREATED_ID = {"/api/v1/webhooks": "$response.body#/subscription/id"}
LOCATION = {
    "description": "Where the created record is read (GET, with the same token)",
    "schema": {"type": "string", "format": "uri-reference"},
}
PATH_PARAMETER = re.compile(r"\{(\w+)\}")


def _answer_fields(document: dict[str, Any], answer: dict[str, Any]) -> set[str]:
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    return set(document["components"]["schemas"].get(name, {}).get("properties", {}))


def _link_values(
    source: tuple[str, str], status: str, fields: set[str], target: tuple[str, str]
) -> dict[str, Any]:
    """Where each path parameter of the target comes from after the source answered; empty
    when one of them has no source or none comes from the answer. What a POST created may be
    read and acted on; a record an answer only names (its driver_id, ...) is read."""
    method, path = source
    home = HOMES.get(path, path)
    values, from_answer = {}, False
    for name in PATH_PARAMETER.findall(target[1]):
        if method == "post" and status == "201" and target[1].startswith(f"{home}/{{{name}}}"):
            values[f"path.{name}"] = CREATED_ID.get(path, "$response.body#/id")
        elif name in fields and target[0] == "get":
            values[f"path.{name}"] = f"$response.body#/{name}"
        elif f"{{{name}}}" in path:
            values[f"path.{name}"] = f"$request.path.{name}"
            continue
        else:
            return {}
        from_answer = True
    return values if from_answer else {}


def _links(document: dict[str, Any]) -> None:
    """OpenAPI links from each answer to the operations its ids open: a created record's id to
    the paths below where it lives, a driver_id (licence_id, ...) to the operations on it."""
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation
    }
    for source, operation in operations.items():
        for status, answer in operation["responses"].items():
            if not status.startswith("2"):
                continue
            fields = _answer_fields(document, answer)
            for (method, path), target in operations.items():
                values = _link_values(source, status, fields, (method, path))
                if not values or (method, path) == source:
                    continue
                for name, schema in REQUIRED_QUERY.get((method, path), {}).items():
                    values[f"query.{name}"] = (schema.get("examples") or schema["enum"])[0]
                answer.setdefault("links", {})[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": values,
                }
    for path in LOCATED:
        answer = operations[("post", path)]["responses"]["201"]
        answer.setdefault("headers", {})["Location"] = LOCATION


# The service's own probes answer plain JSON objects: a name each, so a generated client has
# Health, not HealthHealthResponse200.
SERVICE_ANSWERS = {"/health": "Health", "/ready": "Readiness", "/register-counts": "RegisterCounts"}


def _name_service_answers(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for path, name in SERVICE_ANSWERS.items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        schemas[name] = {**content["application/json"]["schema"], "title": name}
        content["application/json"]["schema"] = {"$ref": f"#/components/schemas/{name}"}


def refine(app: Litestar, document: dict[str, Any]) -> dict[str, Any]:
    # a copy in JSON's own types (litestar leaves dates in examples)
    document = _plain_names(msgspec.json.decode(msgspec.json.encode(document)))
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    schemas = components.get("schemas", {})
    for name, (required, fields) in BODIES.items():
        _describe_body(schemas[name], required, fields)
        schemas[name].update(ALTERNATIVES.get(name, {}))
    _request_bodies(document)
    _name_service_answers(document)
    guarded = _guarded(app)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            operation["security"] = [{"bearer": []}] if guarded.get((method, path)) else []
            if not guarded.get((method, path)):
                for status in ("401", "403"):
                    operation["responses"].pop(status, None)
            elif path.startswith("/api/"):  # licensing/limits.py TokenRateLimit
                operation["responses"]["429"] = TOO_MANY
                for answer in operation["responses"].values():
                    if answer is not TOO_MANY:
                        answer.setdefault("headers", {}).update(RATE_HEADERS)
            must = REQUIRED_QUERY.get((method, path), {})
            for parameter in operation.get("parameters", []):
                _parameter_schema(parameter)
                if parameter.get("in") == "query" and parameter["name"] in must:
                    parameter["required"] = True
                    parameter["schema"] = must[parameter["name"]]
    _name_enums(document)
    _links(document)
    return document


def _fix_options(app: Litestar) -> None:
    # litestar builds a path's OPTIONS handler with the first handler registered on it and
    # keeps that one when later handlers join the path, so it answers with an Allow header
    # that misses their methods. Point each OPTIONS handler at the route it now belongs to.
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        handler, _ = route.route_handler_map["OPTIONS"]
        for cell in handler.fn.__closure__ or ():
            if isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents = route


# The refined document by the app's routes: every app a process builds from the same routes
# has the same document, and building it is most of create_app's time (the test suite builds
# an app for most tests).
_DOCUMENTS: dict[tuple[tuple[str, tuple[str, ...]], ...], dict[str, Any]] = {}


def install(app: Litestar) -> None:
    """Build the refined document once, as /schema/openapi.json and the reference serve it."""
    _fix_options(app)
    plugin = app.plugins.get(OpenAPIPlugin)
    routes = tuple(sorted((route.path, tuple(sorted(route.methods))) for route in app.routes))
    if routes not in _DOCUMENTS:
        _DOCUMENTS[routes] = refine(app, plugin.provide_openapi().to_schema())
    # each app its own copy, so nothing done to one app's document reaches another's
    plugin._openapi_schema = copy.deepcopy(_DOCUMENTS[routes])


def document(app: Litestar) -> dict[str, Any]:
    """The document the service serves (for tests and tools)."""
    return app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
