"""Recording a licence grant, the page that confirms it, and a licence's later changes
(renewal, suspension, reinstatement, revocation, surrender, expiry)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from litestar import Request
from markupsafe import escape

from licensing.pages import about, content
from licensing.pages import fields as f
from licensing.pages.forms import saves
from licensing.pages.render import LABELS, long_date
from licensing.pages.visit import visit_of
from registry import drivers, licences, lookups

RECORDED, CHECK, SAME = content.take("licence_new", "recorded", "check", "same")


async def _licence_words(request: Request, conn, driver: Any) -> dict:
    banner, intro = None, []
    if request.method == "GET" and request.query_params.get("recorded") == "1":
        banner = escape(RECORDED.format_map(driver))  # the banner is HTML
        intro = [CHECK.format(warning=w) for w in drivers.warnings(driver)] + [
            SAME.format(driver=d.driver_id, reason=d.reason.lower())
            for d in await drivers.possible_duplicates(conn, driver["id"])
        ]
    return await about.facts(banner=banner, intro=intro)(request, conn, driver)


def _granted(request: Request, driver: Any, granted: Any) -> str:
    if visit_of(request):  # granted from a record: back to it, opened as it was
        return about.to_driver("licence_granted")(request, driver, granted)
    return f"/licences/{granted.id}/recorded"


NEW_LICENCE = about.driver_form(
    "licences/new",
    key="licence_new",
    words=_licence_words,
    save=saves(licences.grant, licences.LicenceDetails, driver_id=about.public_id),
    done=_granted,
)


PANEL, TOLD, SEARCH, OPEN = content.take("licence_recorded", "panel", "told", "search", "open")


async def _recorded_words(request: Request, conn, licence: Any) -> dict:
    dates = {"starts": long_date(licence.starts_on), "expires": long_date(licence.expires_on)}
    said = await about.facts(lambda _: dates)(request, conn, licence)
    home = await lookups.home_authority_id(conn, licence.driver_id)
    told = [TOLD.format(authority=said["facts"]["home_authority"])]
    return said | {
        "panel": PANEL.format(kind=LABELS["kind"][licence.kind], number=licence.licence_number),
        "next_steps": told if home not in {None, request.user.authority_id} else [],
        "links": [(SEARCH, "/search"), (OPEN, f"/drivers/{licence.driver_id}")],
    }


LICENCE_RECORDED = about.record_form(
    "/licences/{licence_id:int}/recorded",
    licences.get_licence,
    key="licence_recorded",
    template="recorded.html",
    words=_recorded_words,
)


# --- a licence's later change ---------------------------------------------------------------


async def _allowed(conn, request: Request, licence: Any) -> list[str]:
    """The changes the licence's status allows."""
    return [a for a, (start, _) in licences.TRANSITIONS.items() if licence.status in start]


CHANGE_LICENCE = about.record_form(
    "/licences/{licence_id:int}/change",
    licences.get_licence,
    key="licence_change",
    fields=f.every(licences.LicenceChange, f.ask("action", only=_allowed)),
    facts=lambda licence: {
        "licence": f"{LABELS['kind'][licence.kind]}, {licence.licence_number}",
        "status": LABELS["status"].get(licence.status, licence.status.capitalize()),
        "expires": long_date(licence.expires_on),
    },
    save=saves(licences.change, licences.LicenceChange, attrgetter("id")),
    done=about.to_driver("licence"),
)
