"""A back-office system builds its client from the live OpenAPI document with
openapi-python-client, and runs its day with it against a running service: it subscribes to
webhooks, records a driver and grants a licence, searches, reads the change feed from its
saved cursor, receives and verifies a signed webhook on its own receiver, and pages through
its licences."""

import asyncio
import importlib
import os
import re
import subprocess
import sys
import time
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx

from registry.today import london_today
from tests.factories import make_user
from tests.outage_support import serving
from tests.test_api_webhooks import Receiver, verifies

BIN = os.path.dirname(sys.executable)


def generate(base: str, where) -> object:
    """The client package, generated from the running service's document and imported."""
    spec = where / "openapi.json"
    # httpx's own ceiling is 5 s: the service builds the document on its first request, which
    # on a busy machine can take longer
    spec.write_bytes(httpx.get(base + "/schema/openapi.json", timeout=60).content)
    subprocess.run(
        [
            os.path.join(BIN, "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(where / "crosscheck_client"),
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")},
    )
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("crosscheck_client")
    finally:
        sys.path.remove(str(where))


def assert_readable_model_names(cc) -> None:
    """Every enum of the document is one type named in words (Sex, LicenceKind), not one per
    field named from its path (DriverDetailsSexType0) or from the route (ApiV1...,
    HealthHealthResponse200)."""
    models = importlib.import_module(cc.__name__ + ".models")
    names = [name for name in models.__all__ if name[0].isupper()]
    made_up = [n for n in names if re.search(r"Type\d+$|^ApiV1|Item$|Response\d+$", n)]
    assert made_up == []
    assert {"Sex", "LicenceKind", "Purpose", "EventKind", "Category", "Role"} <= set(names)


def cursor_of(link: str) -> str | None:
    """The cursor in a next link (None in a link to the start)."""
    query = parse_qs(urlsplit(link).query)
    found = query.get("cursor") or query.get("after")
    return found[0] if found else None


async def test_a_generated_client_runs_a_back_office_day(db_url, conn, tmp_path):
    officer = await make_user(conn, authority="Sheffield")
    receiver = Receiver()
    env = {
        "CROSSCHECK_SCHEDULER": "true",
        "WEBHOOKS_ALLOW_LOOPBACK": "true",
        "ALERT_INTERVAL_SECONDS": "0.5",
    }
    try:
        async with serving(db_url, tmp_path / "service.log", **env) as base:
            cc = generate(base, tmp_path)
            assert_readable_model_names(cc)
            await asyncio.to_thread(day, cc, base, officer["token"], receiver)
    finally:
        receiver.close()
        for name in [m for m in sys.modules if m.split(".")[0] == "crosscheck_client"]:
            del sys.modules[name]


def day(cc, base: str, token: str, receiver: Receiver) -> None:
    from crosscheck_client.api.events import api_v1_events_list_events as events
    from crosscheck_client.api.recording import (
        api_v1_drivers_record_driver as record_driver,
    )
    from crosscheck_client.api.recording import (
        api_v1_licences_grant_licence as grant_licence,
    )
    from crosscheck_client.api.recording import (
        api_v1_licences_licence_id_show_licence as show_licence,
    )
    from crosscheck_client.api.recording import (
        api_v1_licences_list_licences as list_licences,
    )
    from crosscheck_client.api.search import api_v1_drivers_driver_id_get_driver as open_driver
    from crosscheck_client.api.search import api_v1_searches_create_search as search
    from crosscheck_client.api.webhooks import api_v1_webhooks_subscribe as subscribe
    from crosscheck_client.models import (
        DriverDetails,
        EventKind,
        LicenceDetails,
        LicenceKind,
        NewSubscription,
        Purpose,
        SearchRequest,
    )

    client = cc.AuthenticatedClient(
        base_url=base, token=token, raise_on_unexpected_status=True, timeout=httpx.Timeout(60)
    )

    hooked = subscribe.sync(
        client=client,
        body=NewSubscription(url=receiver.url, event_types=[EventKind.LICENCE_GRANTED]),
    )
    saved = "/api/v1/events"  # the feed, read to its end: keep the last next link
    while True:
        page = events.sync(client=client, after=cursor_of(saved))
        saved = page.next_
        if not page.items:
            break

    drivers = [
        record_driver.sync(
            client=client,
            body=DriverDetails(forenames=name, surname="Doe", date_of_birth=date(1985, 1, 2)),
            idempotency_key=f"story-driver-{name}",
        )
        for name in ("Jane", "Joan", "June")
    ]
    driver = drivers[0]
    granted = [
        grant_licence.sync(
            client=client,
            body=LicenceDetails(
                driver_id=d.id,
                licence_number=f"SCC/2026/{n}",
                kind=LicenceKind.PRIVATE_HIRE,
                granted_on=london_today(),
            ),
            idempotency_key=f"story-licence-{n}",
        )
        for n, d in enumerate(drivers)
    ]
    found = search.sync_detailed(
        client=client,
        body=SearchRequest(
            purpose=Purpose.NEW_APPLICATION,
            case_reference="SCC-2026-1",
            forenames="Jane",
            surname="Doe",
            date_of_birth="1985-01-02",
        ),
    )
    assert found.status_code == 200 and str(driver.id) in found.content.decode()
    record = open_driver.sync(
        driver.id, client=client, purpose=Purpose.NEW_APPLICATION, case_reference="SCC-2026-1"
    )
    assert (record.forenames, record.surname, record.date_of_birth) == (
        "Jane",
        "Doe",
        date(1985, 1, 2),
    )
    licence = show_licence.sync(granted[0].id, client=client)
    assert (licence.licence_number, licence.driver_id) == ("SCC/2026/0", driver.id)

    # The feed holds back events behind a change still committing (the service's own webhook
    # sender, say), so an integrator asks again from the cursor it kept, as the docs say.
    kinds: list = []
    wanted = {(kind, d.id) for d in drivers for kind in ("driver_recorded", "licence_granted")}
    deadline = time.monotonic() + 60
    while not wanted <= set(kinds) and time.monotonic() < deadline:
        new = events.sync(client=client, after=cursor_of(saved))
        kinds += [(e.kind, e.driver_id) for e in new.items]
        saved = new.next_
        if not new.items:
            time.sleep(0.2)
    assert wanted <= set(kinds), sorted(wanted - set(kinds))

    deadline = time.monotonic() + 60
    while len(receiver.posts) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(receiver.posts) == 3
    assert all(verifies(hooked.secret, headers, body) for headers, body in receiver.posts)

    seen, cursor = [], None
    while True:
        page = list_licences.sync(client=client, limit=2, cursor=cursor)
        seen += [licence.id for licence in page.items]
        if page.next_ is None:
            break
        cursor = cursor_of(page.next_)
    assert sorted(seen) == sorted(licence.id for licence in granted)
