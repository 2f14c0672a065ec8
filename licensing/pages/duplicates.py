"""Possible duplicates on the pages: the list an officer works through, one pair side by side
with its evidence, and the decision (same person / different people) or its undoing.

The same registry functions as the API (registry/duplicates/review.py): a pair none of whose
records concerns the officer's authority answers 404, as one that does not exist.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import about
from licensing.pages import fields as f
from licensing.pages.forms import attempt, read_form, saves
from licensing.pages.render import Conn, page, redirect
from registry import duplicates
from registry.actor import audit_view
from registry.errors import Invalid

FILTERS = {"open": "Not yet decided", "same_person": "Same person", "different_people":
           "Different people", "all": "All pairs"}  # fmt: skip
CHOICES = [
    ("same_person", "Same person", "Link the two records. Both are kept with their histories."),
    ("different_people", "Different people", "The pair will not be raised again."),
]
# A pair raised by re-screening reaches an officer through an alert about their licensed driver.
RESCREEN_CHOICES = [
    CHOICES[0],
    ("different_people", "Not this driver", "You will not be told of this match again."),
]
DONE = {
    "same_person": "The records are linked as one person.",
    "different_people": "The pair is marked as different people and will not be raised again.",
    "undone": "The decision is undone: the pair is open again.",
}


@get("/duplicates", guards=[auth.officer])
async def list_page(request: Request, conn: Conn) -> Response:
    shown = request.query_params.get("show") or "open"
    shown = shown if shown in FILTERS else "open"
    try:
        pairs, after = await duplicates.list_pairs(
            conn,
            actor_of(request),
            status=None if shown == "all" else shown,
            after=request.query_params.get("cursor"),
            limit=50,
        )
    except Invalid:
        raise NotFoundException() from None
    await audit_view(conn, actor_of(request), "possible_duplicates")
    return page(
        "duplicates.html",
        request,
        title="Possible duplicate records",
        pairs=pairs,
        shown=shown,
        filters=FILTERS,
        next_href=f"/duplicates?show={shown}&cursor={after}" if after else None,
    )


async def _choices(conn: Conn, request: Request, pair: Any) -> f.Options:
    return RESCREEN_CHOICES if pair.raised_by == "rescreen" else CHOICES


async def _pair_words(request: Request, conn: Conn, pair: Any) -> dict[str, Any]:
    """The pair side by side; every showing is audited, the form sent back with errors too."""
    await audit_view(conn, actor_of(request), f"possible_duplicate:{pair.id}")
    banner = DONE.get(request.query_params.get("done") or "")
    return {"title": "Are these records the same person?", "pair": pair, "banner": banner}


DECIDE = about.record_form(
    "/duplicates/{pair_id:int}",
    duplicates.get_pair,
    template="duplicate.html",
    fields=[f.radios("decision", "Are these records the same person?", _choices)],
    words=_pair_words,
    save=saves(duplicates.decide, duplicates.Decision, attrgetter("id")),
    done=lambda request, pair, decided: f"/duplicates/{pair.id}?done={decided.status}",
)


@post("/duplicates/{pair_id:int}/undo", guards=[auth.officer])
async def undo(request: Request, conn: Conn, pair_id: FromPath[int]) -> Response:
    form = await read_form(request)
    pair = await DECIDE.load(request, conn)  # another authority's pair is the 404 page
    done = await attempt(
        conn, form, request.user, lambda: duplicates.undo(conn, actor_of(request), pair.id)
    )
    if done is None:
        return await DECIDE.show(request, conn, pair, form)
    return redirect(f"/duplicates/{pair_id}?done=undone")
