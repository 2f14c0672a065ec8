"""An information request about another authority's register entry (s.3 of the 2022 Act),
its answer, and the inbox of requests sent and received with their working-day clocks."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages.forms import FormPage
from licensing.pages.recording.common import (
    audit_view,
    driver_facts,
    driver_or_404,
    own,
    own_name,
)
from licensing.pages.render import LABELS, Conn, long_date, page
from licensing.pages.visit import with_visit
from registry import lookups, requests
from registry.authorities import names_by_code

MAX_ID = 2**63 - 1
ANSWERS = [("granted", "Give the information"), ("refused", "Refuse, with reasons")]

REQUEST_FIELDS = [
    f.text("case_reference", "Your case reference", spellcheck=False),
    f.textarea(
        "reason", "Why you need the information", "For example, the application you are deciding"
    ),
    f.date(
        "requested_on",
        "Date of the request",
        "Leave blank for today",
        named="The date of the request",
    ),
]


async def _entry_summary(conn: asyncpg.Connection, entry_id: int) -> asyncpg.Record:
    row = await lookups.entry_summary(conn, entry_id) if 0 < entry_id <= MAX_ID else None
    if row is None:
        raise NotFoundException()
    return row


async def _the_entry(request: Request, conn: asyncpg.Connection) -> asyncpg.Record:
    return await _entry_summary(conn, request.path_params["entry_id"])


async def _request_words(request: Request, conn: asyncpg.Connection, entry: Any) -> dict:
    driver = await driver_or_404(conn, entry["driver_id"])
    return {
        "facts": driver_facts(driver)
        + [
            (
                "Decision",
                f"{LABELS['decision'][entry['decision']]}, {long_date(entry['decided_on'])}",
            ),
            ("Recorded by", entry["authority"]),
        ],
        "intro": [f"{entry['authority']} must answer within 20 working days."],
        "back_href": with_visit(f"/drivers/{entry['driver_id']}", request),
    }


NEW_REQUEST = FormPage(
    "/entries/{entry_id:int}/requests/new",
    title="Ask for the information behind a register entry",
    caption="Section 3 request",
    button="Send request",
    load=_the_entry,
    start=lambda request, _: {"case_reference": [request.query_params.get("case_reference", "")]},
    fields=REQUEST_FIELDS,
    words=_request_words,
    save=lambda conn, actor, entry, values: requests.make_request(
        conn, actor, requests.RequestDetails(entry_id=entry["id"], **values)
    ),
    renames={"entry_id": "case_reference"},
    done=lambda request, entry, made: f"/requests/{made.id}?done=sent",
)


def clock(item: Any) -> str:
    """The working-day clock of an open request, in words."""
    if item.status != "open":
        return ""
    days = item.working_days_left
    if item.overdue:
        return f"Overdue by {-days} working {'day' if days == -1 else 'days'}"
    if days == 0:
        return "Due today"
    return f"{days} working {'day' if days == 1 else 'days'} left"


@get("/requests", guards=[auth.officer])
async def requests_inbox(request: Request, conn: Conn) -> Response:
    actor = actor_of(request)
    received, _ = await requests.list_requests(conn, actor, "received")
    sent, _ = await requests.list_requests(conn, actor, "sent")
    return page(
        "requests.html",
        request,
        title="Information requests",
        received=received,
        sent=sent,
        names=await names_by_code(conn),
        clock=clock,
    )


# --- the answer -----------------------------------------------------------------------------

RESPONSE_FIELDS = [
    f.radios("status", "Your answer", ANSWERS),
    f.textarea("response", "The information, or the reasons for refusing", rows=8),
    f.date(
        "responded_on",
        "Date of the answer",
        "Leave blank for today",
        named="The date of the answer",
    ),
]


async def _the_request(request: Request, conn: asyncpg.Connection) -> requests.InformationRequest:
    return await own(
        requests.get_request(conn, actor_of(request), request.path_params["request_id"])
    )


async def _opened(request: Request, conn: asyncpg.Connection, item: Any) -> None:
    await audit_view(conn, request, f"information_request:{item.id}", item.driver_id)


async def _request_view_words(request: Request, conn: asyncpg.Connection, item: Any) -> dict:
    names = await names_by_code(conn)
    entry = await _entry_summary(conn, item.entry_id)
    driver = await driver_or_404(conn, item.driver_id)
    facts = driver_facts(driver) + [
        (
            "Register entry",
            f"{LABELS['decision'][entry['decision']]} by {entry['authority']}, "
            f"{long_date(entry['decided_on'])}",
        ),
        ("Asked by", names[item.requesting_authority]),
        ("Their case reference", item.case_reference),
        ("Why they need it", item.reason or "Not given"),
        ("Asked on", long_date(item.requested_on)),
        ("Answer due", long_date(item.due_on) + (f" ({clock(item)})" if clock(item) else "")),
    ]
    if item.status != "open":
        facts += [
            (
                "Answer",
                "Information given" if item.status == "granted" else item.status.capitalize(),
            ),
            ("Answered on", long_date(item.responded_on)),
            ("Response", item.response),
        ]
    banner = "Your request has been sent." if request.query_params.get("done") == "sent" else None
    to_answer = item.status == "open" and names[item.recording_authority] == await own_name(
        conn, request
    )
    title = "Answer an information request" if to_answer else "Information request"
    words = {"title": title, "facts": facts, "back_href": "/requests", "banner": banner}
    return words if to_answer else {**words, "view_only": True}


ANSWER = FormPage(
    "/requests/{request_id:int}",
    caption="Section 3 request",
    button="Send answer",
    load=_the_request,
    opened=_opened,
    fields=RESPONSE_FIELDS,
    words=_request_view_words,
    save=lambda conn, actor, item, values: requests.respond(
        conn, actor, item.id, requests.RequestResponse(**values)
    ),
    done=lambda request, item, _: f"/requests/{item.id}",
)

ROUTES = [*NEW_REQUEST.routes(), requests_inbox, *ANSWER.routes()]
