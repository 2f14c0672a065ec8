"""schemathesis against our own OpenAPI document, in-process: no server error, and every
answer (errors included) matches what the document promises.

Each operation is called as a role its guard admits (a licensing officer where officers may),
so the fuzzing reaches the handlers and not only the guards. The accounts the fuzzer signs in
with get ids far above the ones it tries, so it cannot deactivate itself by chance.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from licensing import openapi
from licensing.app import create_app
from licensing.db import connect
from licensing.settings import load
from tests.conftest import new_database
from tests.factories import make_user
from tests.test_access import admitted_roles, operations

PREFERENCE = ("licensing_officer", "dpo", "admin", "dft_analyst")
CALLERS = {"licensing_officer": "Rotherham", "dpo": "Rotherham", "admin": None, "dft_analyst": None}
FAR_ID = 1_900_000_000


@pytest.fixture(scope="module")
async def fuzz_database(cluster, template_url):
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
    return url, headers


@pytest.fixture(scope="module")
def fuzz_app(fuzz_database):
    from schemathesis.python import asgi

    url, headers = fuzz_database
    # one token per role sends every case: the per-token limit is tests/test_api_rate_limits.py's
    env = {"DATABASE_URL": url, "CROSSCHECK_SCHEDULER": "false", "API_REQUESTS_PER_MINUTE": "0"}
    app = create_app(load(env))
    callers = {}
    for method, _path, route, handler in operations(app):
        roles = admitted_roles(handler) or set()
        role = next((r for r in PREFERENCE if r in roles), None)
        callers[(method, route.path_format)] = headers.get(role, {})
    yield app, callers
    asgi.shutdown_lifespans()  # close the app's pool before the test cluster stops


# The document is read from an app that never starts (no database needed to describe the API);
# the cases are sent to the app above, which does.
schema = schemathesis.openapi.from_dict(
    openapi.document(create_app(load({"DATABASE_URL": "postgresql://unused/unused"})))
)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_api_keeps_the_promises_of_its_openapi_document(case, fuzz_app):
    app, callers = fuzz_app
    headers = callers.get((case.method.upper(), case.operation.path), {})
    case.call_and_validate(
        app=app,
        headers=headers,
        checks=[
            st_checks.not_a_server_error,
            st_checks.response_schema_conformance,
            st_checks.status_code_conformance,
        ],
    )
