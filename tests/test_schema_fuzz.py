"""schemathesis against our own OpenAPI document with every check it has, against a real
`crosscheck serve` on a port (some checks, such as ignored_auth, re-send requests and need a
base URL): no server error, every answer matches what the document promises, schema-valid
requests are accepted and invalid ones refused, and the links between operations hold.

Each operation is called as a role its guard admits (a licensing officer where officers may),
so the fuzzing reaches the handlers and not only the guards. The accounts the fuzzer signs in
with get ids far above the ones it tries, so it cannot deactivate itself by chance.
"""

from __future__ import annotations

import os
from urllib.parse import urljoin

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from licensing import openapi
from licensing.api.recording import IMPORT_FILES
from licensing.db import connect
from tests.conftest import described_app, new_database
from tests.factories import make_user
from tests.outage_support import serving
from tests.test_access import admitted_roles, operations

PREFERENCE = ("licensing_officer", "dpo", "admin", "dft_analyst")
CALLERS = {"licensing_officer": "Rotherham", "dpo": "Rotherham", "admin": None, "dft_analyst": None}
FAR_ID = 1_900_000_000
FUZZ = settings(
    # a few cases an operation fit the suite; FUZZ_EXAMPLES=50 digs deeper before a release
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,  # the same cases on every run: a failure in CI is one anyone can replay
)

# positive_data_acceptance, with one allowance: a 422 naming only fields whose rule depends on
# what the register holds, on another field or on the world, which no schema can state.
BEYOND_A_SCHEMA = {
    "cursor": "a cursor is only good if the service issued it",
    "after": "a feed cursor is only good if the service issued it",
    "driver_id": "the driver must be on the register",
    "entry_id": "the register entry must exist and be another authority's",
    "licence_id": "the licence must exist and be the authority's",
    "search_id": "the search must be one the authority made",
    "email": "an email address belongs to one account only",
    "authority": "the code must name a licensing authority",
    "authority_code": "the code must name a licensing authority",
    "home_authority": "the code must name a licensing authority",
    "recipient_authority": "a concern goes to another existing authority, not one's own",
    "url": "a webhook host must resolve, to a public address",
    "Idempotency-Key": "a key names one request: the fuzzer reuses the example key",
    "to": "OpenAPI cannot say that one query parameter's date follows another's",
    "licence_kind": "with no kind given, it comes from the named licence, which must exist",
    **dict.fromkeys(
        ("gb_licence_number", "ni_licence_number", "ni_number", "postcode", "identifier"),
        "identifiers are checked letter by letter, with check characters (registry/identifiers)",
    ),
    "eu_licence_number": "an EU licence number's form depends on its country",
    "eu_licence_country": "an EU licence number's form depends on its country",
    **dict.fromkeys(
        ("quarter", "financial_year", "period_start", "period_end", "snapshot", "suppress"),
        "OpenAPI cannot say that query parameters exclude or need each other",
    ),
    **dict.fromkeys(IMPORT_FILES, "the rows of an uploaded CSV file are not in the document"),
}


def beyond_a_schema(field: str) -> bool:
    """Dates are judged against today and against each other; CSV rows are named
    file:line:column."""
    return (
        field in BEYOND_A_SCHEMA
        or field.endswith("_on")
        or field == "date_of_birth"
        or field.split(":")[0].removesuffix(".csv") in IMPORT_FILES
    )


@schemathesis.check
def positive_data_acceptance_within_register_rules(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422:
            named = {error["field"] for error in response.json().get("errors", [])}
            if named and all(beyond_a_schema(field) for field in named):
                return None
        raise


@schemathesis.check
def negative_data_rejection_but_repeated_query_parameters(ctx, response, case):
    # Silenced for one shape only: litestar reads the last of a repeated query parameter.
    if any(isinstance(value, list) for value in (case.query or {}).values()):
        return None
    return negative_data_rejection(ctx, response, case)


# what opening a driver's record needs; other reads pass over query parameters they do not take
READ = {"purpose": "new_application", "case_reference": "FUZZ-1"}


@schemathesis.check
def every_location_can_be_read(ctx, response, case):
    """A Location the API answers with is a GET route that answers 200 for the same caller."""
    for location in response.headers.get("location", []):
        caller = {"Authorization": response.request.headers.get("Authorization", "")}
        url = urljoin(response.request.url, location)
        read = requests.get(url, headers=caller, params=READ, timeout=60)
        assert read.status_code == 200, f"Location {location} answers {read.status_code}"


CHECKS = {
    "excluded_checks": [positive_data_acceptance, negative_data_rejection],
    "additional_checks": [
        positive_data_acceptance_within_register_rules,
        negative_data_rejection_but_repeated_query_parameters,
        every_location_can_be_read,
    ],
}

# The document is read from an app that never starts (no database needed to describe the API);
# the cases are sent to the running service below.
APP = described_app()
schema = schemathesis.openapi.from_dict(openapi.document(APP))


def _callers(headers: dict) -> dict:
    callers = {}
    for method, _path, route, handler in operations(APP):
        roles = admitted_roles(handler) or set()
        role = next((r for r in PREFERENCE if r in roles), None)
        callers[(method, route.path_format)] = headers.get(role, {})
    return callers


@pytest.fixture(scope="module")
async def service(cluster, template_url, tmp_path_factory):
    """The service on a port of its own, and the headers to call each operation with."""
    url = await new_database(cluster, template_url)
    owner = await connect(url, as_app=False)
    for table in ("app_user", "api_token"):
        await owner.execute(f"ALTER TABLE {table} ALTER COLUMN id RESTART WITH {FAR_ID}")
    await owner.close()
    conn = await connect(url)
    headers = {
        role: (await make_user(conn, role=role, authority=authority))["headers"]
        for role, authority in CALLERS.items()
    }
    await conn.close()
    log = tmp_path_factory.mktemp("fuzz") / "service.log"
    # one token per role sends every case: the per-token limit is tests/test_api_rate_limits.py's
    async with serving(url, log, API_REQUESTS_PER_MINUTE="0") as base:
        yield base, _callers(headers)


def _headers(callers: dict, case) -> dict:
    return callers.get((case.method.upper(), case.operation.path), {})


@schema.parametrize()
@FUZZ
def test_the_api_keeps_the_promises_of_its_openapi_document(case, service):
    base, callers = service
    case.call_and_validate(base_url=base, headers=_headers(callers, case), **CHECKS)


def test_the_links_between_operations_hold(service):
    base, callers = service

    class Story(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": base, "headers": _headers(callers, case)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, transport_kwargs=kwargs or None, recorder=self.recorder, **CHECKS
            )

    run_state_machine_as_test(
        Story, settings=settings(FUZZ, max_examples=10, stateful_step_count=6)
    )
