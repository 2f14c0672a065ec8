"""A concern about another authority's licensee (s.5 of the 2022 Act) and the decision the
licensing authority sends back (s.6)."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request

from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages.forms import FormPage
from licensing.pages.recording.common import (
    CATEGORY_OPTIONS,
    about_driver,
    audit_view,
    driver_facts,
    driver_or_404,
    own,
    own_name,
    the_driver,
)
from licensing.pages.render import LABELS, long_date
from licensing.pages.visit import with_visit
from registry import concerns, lookups
from registry.authorities import names_by_code

REPLIES = [(r, LABELS["reply"][r]) for r in concerns.REPLY_DECISIONS]


async def _concern_fields(conn: asyncpg.Connection, request: Request, driver: Any) -> list[f.Field]:
    licensing = await lookups.licensing_elsewhere(conn, driver["id"], request.user.authority_id)
    return [
        f.select(
            "recipient_authority",
            "Which authority licenses the driver?",
            licensing,
            "Authorities where the driver holds a current or suspended licence",
            required="Select the authority that licenses the driver",
        ),
        f.checkboxes(
            "categories",
            "What kind of relevant information is it?",
            CATEGORY_OPTIONS,
            "Section 1 of the 2022 Act. Select all that apply",
            required="Select at least one kind of relevant information",
        ),
        f.textarea("narrative", "What your authority learned", rows=8),
        f.date(
            "became_aware_on",
            "Date your authority became aware",
            "The report is due within 10 working days of this date",
            named="The date your authority became aware",
        ),
        f.date(
            "reported_on",
            "Date of the report",
            "Leave blank for today",
            named="The date of the report",
        ),
    ]


NEW_CONCERN = FormPage(
    "/drivers/{driver_id:uuid}/concerns/new",
    title="Report a concern to the licensing authority",
    caption="Section 5 report",
    button="Send report",
    load=the_driver,
    fields=_concern_fields,
    words=about_driver,
    save=lambda conn, actor, driver, values: concerns.report(
        conn, actor, concerns.ConcernDetails(driver_id=driver["public_id"], **values)
    ),
    done=lambda request, driver, concern: f"/concerns/{concern.id}?done=reported",
)


# --- the licensing authority's reply (s.6) ---------------------------------------------------

REPLY_FIELDS = [
    f.radios("decision", "What did your authority decide?", REPLIES),
    f.date(
        "reply_on",
        "Date of the decision",
        "Leave blank for today",
        named="The date of the decision",
    ),
    f.textarea("reason", "Reasons", "Sent to the authority that reported the concern"),
]


async def _the_concern(request: Request, conn: asyncpg.Connection) -> concerns.Concern:
    return await own(
        concerns.get_concern(conn, actor_of(request), request.path_params["concern_id"])
    )


async def _opened(request: Request, conn: asyncpg.Connection, concern: Any) -> None:
    await audit_view(conn, request, f"concern:{concern.id}", concern.driver_id)


async def _concern_view_words(request: Request, conn: asyncpg.Connection, concern: Any) -> dict:
    names = await names_by_code(conn)
    driver = await driver_or_404(conn, concern.driver_id)
    facts = driver_facts(driver) + [
        ("Reported by", names[concern.reporting_authority]),
        ("Reported to", names[concern.recipient_authority]),
        ("Relevant information", "; ".join(LABELS["category"][c] for c in concern.categories)),
        ("What they learned", concern.narrative),
        ("Became aware", long_date(concern.became_aware_on)),
        ("Reported", long_date(concern.reported_on) + (" (late)" if concern.reported_late else "")),
    ]
    if concern.reply_on:
        facts.append(
            (
                "Decision (section 6)",
                f"{LABELS['reply'][concern.reply_decision]}, {long_date(concern.reply_on)}",
            )
        )
        if concern.reply_reason:
            facts.append(("Reasons", concern.reply_reason))
    banner = (
        "Your report has been sent." if request.query_params.get("done") == "reported" else None
    )
    can_reply = concern.reply_on is None and names[concern.recipient_authority] == await own_name(
        conn, request
    )
    if not can_reply:
        return {
            "view_only": True,
            "title": "Concern report",
            "facts": facts,
            "banner": banner,
            "back_href": with_visit(f"/drivers/{concern.driver_id}", request),
        }
    return {
        "title": "Concern reported to your authority",
        "intro": [
            "Consider suspending or revoking the driver's licence, then tell the "
            "reporting authority what you decided (section 6)."
        ],
        "facts": facts,
        "back_href": "/alerts",
        "banner": banner,
    }


CONCERN = FormPage(
    "/concerns/{concern_id:int}",
    caption="Section 5 report",
    button="Send decision",
    load=_the_concern,
    opened=_opened,
    fields=REPLY_FIELDS,
    words=_concern_view_words,
    save=lambda conn, actor, concern, values: concerns.reply(
        conn, actor, concern.id, concerns.ConcernReply(**values)
    ),
    done=lambda request, concern, _: f"/concerns/{concern.id}",
)

ROUTES = [*NEW_CONCERN.routes(), *CONCERN.routes()]
