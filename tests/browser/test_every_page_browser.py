"""Every page the service has, visited in a real browser by someone allowed to see it, with
records to show: axe-core finds no serious or critical WCAG 2.2 AA violation on any of them.

The pages come from create_app() itself, so a page added later is checked without editing
this file (a new kind of path parameter needs a sample below)."""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from alerts.rules import queue_all_new_alerts
from licensing.db import connect
from registry.password_resets import ask_for_link
from tests.browser.conftest import check_page, free_port, new_page, sign_in
from tests.conftest import described_app
from tests.factories import make_concern, make_driver, make_entry, make_licence, make_request
from tests.pages.conftest import PASSWORD, make_account
from tests.test_access import admitted_roles, operations

pytestmark = pytest.mark.browser

NOT_PAGES = (
    "/api/",
    "/schema",
    "/assets",
    "/health",
    "/ready",
    "/metrics",
    "/register-counts",
)


def page_paths() -> list[tuple[str, set[str] | None]]:
    """(path, the roles admitted or None for a public page) for every GET page."""
    found = []
    for method, path, _, handler in operations(described_app()):
        if (
            method == "GET"
            and not path.startswith(NOT_PAGES)
            and not path.endswith((".csv", ".ods"))
        ):
            found.append((path, admitted_roles(handler)))
    return found


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    return {"CROSSCHECK_DEMO_MAILBOX": "true", "SMTP_PORT": str(free_port())}


@pytest.fixture(scope="module")
async def register(live_db):
    """One of every kind of record, all visible to one Rotherham officer."""
    conn = await connect(live_db)
    try:
        people = {
            "licensing_officer": await make_account(conn, name="Rita Rotherham"),
            "dpo": await make_account(conn, role="dpo", name="Dee Protection"),
            "dft_analyst": await make_account(
                conn, role="dft_analyst", authority=None, name="Dana Field"
            ),
            "admin": await make_account(conn, role="admin", authority=None, name="Ada Admin"),
        }
        sheffield = await make_account(conn, authority="Sheffield", name="Sam Sheffield")
        driver = await make_driver(
            conn,
            forenames="Amira",
            surname="Hussain",
            home="Rotherham",
            aliases=(("Ameera", "Husain"),),
        )
        ours = await make_licence(conn, driver, authority="Rotherham", number="ROT-1")
        await make_licence(conn, driver, authority="Sheffield", number="SHF-1")
        theirs = await make_entry(conn, driver, authority="Sheffield", narrative="Not for you")
        own_entry = await make_entry(
            conn, driver, authority="Rotherham", decision="suspended", narrative="Our notes"
        )
        concern = await make_concern(
            conn,
            driver,
            reporter="Sheffield",
            recipient="Rotherham",
            narrative="Seen shouting at a passenger",
            became_aware_on=date.today(),
            recorded_by=sheffield["id"],
        )
        request = await make_request(  # overdue
            conn,
            theirs,
            requester="Rotherham",
            case_reference="ROT/9",
            reason="Renewal",
            requested_on=date.today() - timedelta(days=30),
            due_on=date.today() - timedelta(days=2),
        )
        # the same woman recorded again by Rotherham: a possible duplicate for its officers
        again = await make_driver(conn, forenames="Ameera", surname="Hussain", home="Rotherham")
        await make_licence(conn, again, authority="Rotherham", number="ROT-2")
        pair = await conn.fetchval(
            """INSERT INTO possible_duplicate (driver_a, driver_b, probability, weight, evidence,
                   raised_by)
               VALUES ($1, $2, 0.97, 5.0, $3::jsonb, 'job') RETURNING id""",
            min(int(driver), int(again)),
            max(int(driver), int(again)),
            '[{"field": "surname", "level": "identical", "words": "Surname identical",'
            ' "weight": 7.1}]',
        )
        await queue_all_new_alerts(conn)
        alert = await conn.fetchval(
            """UPDATE alert SET status = 'sent', sent_at = now(), message_id = 'm1'
               WHERE id = (SELECT min(id) FROM alert WHERE recipient_authority_id =
                           (SELECT id FROM authority WHERE name = 'Rotherham'))
               RETURNING id"""
        )
        await conn.execute(
            """UPDATE alert SET status = 'dead', dead_at = now(), attempts = 8,
                   last_error = 'no alert mailbox'
               WHERE id = (SELECT max(id) FROM alert WHERE status = 'pending')"""
        )
        await conn.execute(
            """INSERT INTO demo_mail (mail_from, rcpt_to, subject, text_body)
               VALUES ('alerts@crosscheck.localhost', '{licensing@rotherham.example}',
                       'Crosscheck: 1 alert for Rotherham', 'Licence granted by Sheffield')"""
        )
        # Doncaster, with no licence of hers, proposes a spelling for Rotherham to decide
        proposal = await conn.fetchval(
            """INSERT INTO identity_proposal (driver_id, proposed_by_authority_id, changes, reason)
               SELECT $1, id, '{"surname": "Hussein"}', 'The spelling on her passport'
               FROM authority WHERE name = 'Doncaster' RETURNING id""",
            driver,
        )
        samples = {
            "driver_id": driver.public,
            "proposal_id": proposal,
            "licence_id": ours,
            "entry_id": own_entry,
            "concern_id": concern,
            "request_id": request,
            "alert_id": alert,
            "user_id": sheffield["id"],
            "pair_id": pair,
            "code": "E08000018",
            "name": "expiring",  # a work list
        }
        # a request for the information behind another authority's entry
        samples["entry_id_for_request"] = theirs
        # a password reset link, as if read from Sheffield's officer's email
        link = await ask_for_link(conn, sheffield["email"])
        assert link is not None
        samples["reset_token"] = link.token
        return people, samples
    finally:
        await conn.close()


def fill(path: str, samples: dict) -> str:
    if path.endswith("/requests/new"):
        path = path.replace("{entry_id:int}", str(samples["entry_id_for_request"]))
    if path == "/sign-in/reset":
        return f"{path}?token={samples['reset_token']}"
    return re.sub(r"\{(\w+):\w+\}", lambda m: str(samples[m.group(1)]), path)


ROLES = (None, "licensing_officer", "dpo", "dft_analyst", "admin")


def pages_for(role: str | None, pages: list[tuple[str, set[str] | None]]) -> list[str]:
    """The pages this role may see: public ones for nobody signed in, guarded ones otherwise."""
    return [
        path
        for path, roles in pages
        if (roles is None) == (role is None) and (role is None or role in roles)
    ]


def test_every_page_is_visited_by_someone_allowed_to_see_it():
    pages = page_paths()
    assert len(pages) > 25
    covered = {path for role in ROLES for path in pages_for(role, pages)}
    assert {path for path, _ in pages} <= covered


async def test_the_axe_check_fails_on_a_page_with_faint_text_and_an_unlabelled_image(browser):
    """check_page reads only axe's violations: it must still see them, node by node."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.set_content(
            '<html lang="en"><head><title>Faint</title></head><body><main>'
            '<p style="color: #ccc; background: #fff">Hard to read</p><img src="x.png">'
            "</main></body></html>"
        )
        with pytest.raises(AssertionError) as failed:
            await check_page(page)
    finally:
        await context.close()
    assert '"color-contrast"' in str(failed.value) and '"image-alt"' in str(failed.value)


# One test per page and role, so parallel workers share the pages out. Each role (and nobody
# signed in) keeps one browser page for the module, per worker, signed in once through the form.
CASES = [(role, path) for role in ROLES for path in pages_for(role, page_paths())]


@pytest.fixture(scope="module")
async def page_of(browser, live, register):
    """The browser page of a role (None: of nobody signed in), opened the first time it is asked for."""
    people, _ = register
    opened: dict[str | None, object] = {}
    async with contextlib.AsyncExitStack() as stack:

        async def of(role: str | None):
            if role not in opened:
                page = await stack.enter_async_context(new_page(browser, live))
                if role:
                    await sign_in(page, people[role]["email"], PASSWORD)
                opened[role] = page
            return opened[role]

        yield of


def signed_out(page) -> bool:
    return urlsplit(page.url).path.startswith(("/sign-in", "/signed-out"))


@pytest.mark.parametrize(
    ("role", "path"), CASES, ids=[f"{role or 'signed_out'}:{path}" for role, path in CASES]
)
async def test_every_page_passes_axe_for_someone_allowed_to_see_it(
    live, register, page_of, role, path
):
    _, samples = register
    page = await page_of(role)
    url = fill(path, samples)
    response = await page.goto(url)
    assert response.status < 400, f"{role} {url}: {response.status}"
    assert role is None or not signed_out(page), f"{role} was sent to sign in from {url}"
    await check_page(page)


@pytest.mark.parametrize(
    ("url", "screenshot"),
    [
        ("/drivers/{driver_id}?purpose=renewal&case_reference=R1", "driver-record-full"),
        ("/admin/users", None),
        ("/drivers/999999999?purpose=renewal&case_reference=R", None),
        ("/no-such-page", None),
    ],
    ids=["full-record", "forbidden", "no-such-driver", "no-such-page"],
)
async def test_the_full_record_and_the_error_pages_pass_axe_for_an_officer(
    register, page_of, url, screenshot
):
    """The record itself, once the purpose is given; and the pages an officer meets when she
    may not see a page or it does not exist."""
    _, samples = register
    page = await page_of("licensing_officer")
    await page.goto(url.format(driver_id=samples["driver_id"]))
    assert not signed_out(page)
    await check_page(page, screenshot)
