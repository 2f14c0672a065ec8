"""Possible duplicates on the pages: the list an officer works through, one pair side by side
with its evidence, and the decision (same person / different people) or its undoing.

The same registry functions as the API (registry/duplicates/review.py): a pair none of whose
records concerns the officer's authority answers 404, as one that does not exist.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.auth import actor_of
from licensing.pages.forms import Form, attempt, read_form
from licensing.pages.render import Conn, page, redirect
from registry import duplicates
from registry.actor import audit_view
from registry.errors import Invalid, NotFound

MAX_ID = 2**63 - 1
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


async def _pair_page(
    request: Request, conn: Conn, pair_id: int, form: Form, status_code: int = 200
) -> Response:
    try:
        pair = await duplicates.get_pair(conn, actor_of(request), pair_id)
    except NotFound:
        raise NotFoundException() from None
    await audit_view(conn, actor_of(request), f"possible_duplicate:{pair_id}")
    return page(
        "duplicate.html",
        request,
        status_code=status_code,
        title="Are these records the same person?",
        pair=pair,
        form=form,
        choices=RESCREEN_CHOICES if pair.raised_by == "rescreen" else CHOICES,
        banner=DONE.get(request.query_params.get("done") or ""),
    )


@get("/duplicates/{pair_id:int}", guards=[auth.officer])
async def pair_page(request: Request, conn: Conn, pair_id: FromPath[int]) -> Response:
    if not 0 < pair_id <= MAX_ID:
        raise NotFoundException()
    return await _pair_page(request, conn, pair_id, Form())


@post("/duplicates/{pair_id:int}", guards=[auth.officer])
async def decide(request: Request, conn: Conn, pair_id: FromPath[int]) -> Response:
    if not 0 < pair_id <= MAX_ID:
        raise NotFoundException()
    form = await read_form(request)
    form.fields = ["decision"]
    details = duplicates.Decision(decision=form.get("decision") or None)
    done = await attempt(
        conn,
        form,
        request.user,
        lambda: duplicates.decide(conn, actor_of(request), pair_id, details),
    )
    if done is None:
        return await _pair_page(request, conn, pair_id, form, 400)
    return redirect(f"/duplicates/{pair_id}?done={done.status}")


@post("/duplicates/{pair_id:int}/undo", guards=[auth.officer])
async def undo(request: Request, conn: Conn, pair_id: FromPath[int]) -> Response:
    if not 0 < pair_id <= MAX_ID:
        raise NotFoundException()
    form = await read_form(request)
    done = await attempt(
        conn, form, request.user, lambda: duplicates.undo(conn, actor_of(request), pair_id)
    )
    if done is None:
        return await _pair_page(request, conn, pair_id, form, 400)
    return redirect(f"/duplicates/{pair_id}?done=undone")


ROUTES = [list_page, pair_page, decide, undo]
