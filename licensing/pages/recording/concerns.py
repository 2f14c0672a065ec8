"""A concern about another authority's licensee (s.5 of the 2022 Act) and the decision the
licensing authority sends back (s.6)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from licensing.pages import about
from licensing.pages import fields as f
from licensing.pages.forms import FormPage, routes, saves
from licensing.pages.render import LABELS, long_date
from registry import concerns, lookups


async def _concern_fields(conn, request: Request, driver: Any) -> list[f.Asked]:
    licensing = await lookups.licensing_elsewhere(conn, driver["id"], request.user.authority_id)
    recipient = f.select("recipient_authority", options=licensing)
    return [recipient, "categories", f.ask("narrative", rows=8), "became_aware_on", "reported_on"]


NEW_CONCERN = FormPage(
    "/drivers/{driver_id:uuid}/concerns/new",
    key="concern_new",
    load=about.the_driver,
    fields=_concern_fields,
    words=about.facts(),
    save=saves(concerns.report, concerns.ConcernDetails, driver_id=about.public_id),
    done=lambda request, driver, concern: f"/concerns/{concern.id}?done=reported",
)


# --- the licensing authority's reply (s.6) ---------------------------------------------------


async def _concern_facts(conn, concern: Any, names: dict[str, str]) -> list[tuple[str, str]]:
    late = " (late)" if concern.reported_late else ""
    facts = [
        ("Reported by", names[concern.reporting_authority]),
        ("Reported to", names[concern.recipient_authority]),
        ("Relevant information", "; ".join(LABELS["category"][c] for c in concern.categories)),
        ("What they learned", concern.narrative),
        ("Became aware", long_date(concern.became_aware_on)),
        ("Reported", long_date(concern.reported_on) + late),
    ]
    if concern.reply_on:
        decision = LABELS["reply"][concern.reply_decision]
        facts.append(("Decision (section 6)", f"{decision}, {long_date(concern.reply_on)}"))
        if concern.reply_reason:
            facts.append(("Reasons", concern.reply_reason))
    return facts


CONCERN = about.answered_page(
    "/concerns/{concern_id:int}",
    key="concern",
    get=concerns.get_concern,
    answerer=lambda concern: None if concern.reply_on else concern.recipient_authority,
    facts=_concern_facts,
    backs=("/alerts", None),
    sent="reported",
    audit_as="concern",
    fields=["decision", "reply_on", "reason"],
    answer=(concerns.reply, concerns.ConcernReply),
)

ROUTES = routes(NEW_CONCERN, CONCERN)
