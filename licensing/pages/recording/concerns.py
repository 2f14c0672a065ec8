"""A concern about another authority's licensee (s.5 of the 2022 Act) and the decision the
licensing authority sends back (s.6)."""

from __future__ import annotations

from typing import Any

from licensing.pages import about, content
from licensing.pages import fields as f
from licensing.pages.forms import saves
from licensing.pages.render import LABELS, long_date
from registry import concerns, lookups

ELSEWHERE = about.officers(lookups.licensing_elsewhere)  # where the driver is licensed
NEW_CONCERN = about.driver_form(
    "concerns/new",
    key="concern_new",
    fields=f.every(concerns.ConcernDetails, f.select("recipient_authority", options=ELSEWHERE)),
    save=saves(concerns.report, concerns.ConcernDetails, driver_id=about.public_id),
    done=lambda request, driver, concern: f"/concerns/{concern.id}?done=reported",
)


# --- the licensing authority's reply (s.6) ---------------------------------------------------


(LATE,) = content.take("concern", "late")


async def _concern_facts(conn, concern: Any, names: dict[str, str]) -> about.Facts:
    return {
        "reported_by": names[concern.reporting_authority],
        "reported_to": names[concern.recipient_authority],
        "categories": "; ".join(LABELS["category"][c] for c in concern.categories),
        "narrative": concern.narrative,
        "became_aware_on": long_date(concern.became_aware_on),
        "reported_on": long_date(concern.reported_on) + (LATE if concern.reported_late else ""),
        "reply": concern.reply_on
        and about.decided(concern.reply_decision, concern.reply_on, "reply"),
        "reply_reason": concern.reply_reason or None,
    }


CONCERN = about.answered_page(
    "/concerns/{concern_id:int}",
    key="concern",
    get=concerns.get_concern,
    answerer=lambda concern: None if concern.reply_on else concern.recipient_authority,
    facts=_concern_facts,
    backs=("/alerts", None),
    sent="reported",
    audit_as="concern",
    answer=(concerns.reply, concerns.ConcernReply),
)
