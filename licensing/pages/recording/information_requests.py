"""An information request about another authority's register entry (s.3 of the 2022 Act),
its answer, and the inbox of requests sent and received with their working-day clocks."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from litestar import Request

from licensing.auth import actor_of
from licensing.pages import about, content
from licensing.pages.forms import FormPage, saves
from licensing.pages.render import LABELS, long_date
from registry import audit_log, lookups, requests
from registry.actor import Actor
from registry.authorities import names_by_code
from registry.errors import NotFound


async def _entry_to_ask_about(conn, actor: Actor, entry_id: int) -> Any:
    """The entry, shown with its driver's name and date of birth, only to an officer with a
    reason to know the driver (registry.audit_log.explained: their search found them, or their
    authority has a part): entry ids can be counted, and counting must find nobody."""
    entry = await lookups.entry_summary(conn, entry_id)
    driver = entry and entry["driver_key"]
    if entry and await audit_log.explained(conn, driver, actor.authority_id, actor.user_id):
        return entry
    raise NotFound("register entry")


NEW_REQUEST = about.record_form(
    "/entries/{entry_id:int}/requests/new",
    _entry_to_ask_about,
    key="request_new",
    prefill=["case_reference"],
    facts=lambda entry: {
        "decision": about.decided(entry["decision"], entry["decided_on"]),
        "recorded_by": entry["authority"],
    },
    save=saves(requests.make_request, requests.RequestDetails, entry_id=itemgetter("id")),
    renames={"entry_id": "case_reference"},
    done=lambda request, entry, made: f"/requests/{made.id}?done=sent",
)


OVERDUE, OVERDUE_ONE, DUE_TODAY, LEFT, LEFT_ONE = content.take(
    "requests", "overdue", "overdue_one", "due_today", "left", "left_one"
)


def clock(item: Any) -> str:
    """The working-day clock of an open request, in words."""
    if item.status != "open":
        return ""
    days = item.working_days_left
    if item.overdue:
        return OVERDUE_ONE if days == -1 else OVERDUE.format(days=-days)
    if days == 0:
        return DUE_TODAY
    return LEFT_ONE if days == 1 else LEFT.format(days=days)


async def _inbox(request: Request, conn, subject: None) -> dict[str, Any]:
    received, _ = await requests.list_requests(conn, actor_of(request), "received")
    sent, _ = await requests.list_requests(conn, actor_of(request), "sent")
    return {"received": received, "sent": sent, "names": await names_by_code(conn), "clock": clock}


INBOX = FormPage("/requests", key="requests", template="requests.html", words=_inbox)


# --- the answer -----------------------------------------------------------------------------


ENTRY, NOT_GIVEN, GRANTED = content.take("request", "entry", "not_given", "granted")


async def _request_facts(conn, item: Any, names: dict[str, str]) -> about.Facts:
    entry = await about.found(lookups.entry_summary, conn, item.entry_id)
    decision, on = LABELS["decision"][entry["decision"]], long_date(entry["decided_on"])
    facts = {
        "entry": ENTRY.format(decision=decision, authority=entry["authority"], on=on),
        "asked_by": names[item.requesting_authority],
        "case_reference": item.case_reference,
        "reason": item.reason or NOT_GIVEN,
        "requested_on": long_date(item.requested_on),
        "due": long_date(item.due_on) + (f" ({clock(item)})" if clock(item) else ""),
    }
    if item.status == "open":
        return facts
    answer = GRANTED if item.status == "granted" else item.status.capitalize()
    answered = {"answer": answer, "responded_on": long_date(item.responded_on)}
    return facts | answered | {"response": item.response}


ANSWER = about.answered_page(
    "/requests/{request_id:int}",
    key="request",
    get=requests.get_request,
    answerer=lambda item: item.recording_authority if item.status == "open" else None,
    facts=_request_facts,
    backs=("/requests", "/requests"),
    sent="sent",
    audit_as="information_request",
    answer=(requests.respond, requests.RequestResponse),
)
