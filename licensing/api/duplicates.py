"""Possible duplicate records in the API: list, read, decide and undo (registry/duplicates).

Only officers of an authority with an interest in either record see a pair; to anyone else
it answers 404 as one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.params import JSONBody, PathParameter, QueryParameter

from licensing.api.common import MAX_ID, Conn, Key, Options, listed, own
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, envelope
from licensing.auth import actor_of, officer
from licensing.idempotency import change
from licensing.problems import problem_spec
from registry import duplicates
from registry.actor import audit_view

PairId = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="The pair's id")]
COMMON: Options = {"guards": [officer], "tags": ["duplicates"]}
NOT_YOURS = {404: problem_spec("No such pair, or none of its records concerns your authority")}


@get(
    "/api/v1/possible-duplicates",
    **COMMON,
    summary="Pairs of driver records that are probably one person, for your authority to decide",
)
async def list_possible_duplicates(
    request: Request[Any, Any, Any],
    conn: Conn,
    status: Annotated[
        Literal["open", "same_person", "different_people", "all"],
        QueryParameter(description="open (the default): not yet decided; all: every pair"),
    ] = "open",
    driver_id: Annotated[
        uuid.UUID | None,
        QueryParameter(description="Only pairs with this driver (their public id)"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[duplicates.DuplicatePair]:
    """Pairs where your authority licenses, has a register entry for, or recorded either
    driver, oldest first, each with the evidence: how each field agrees and its weight."""
    actor = actor_of(request)
    items, after = await listed(
        duplicates.list_pairs(
            conn,
            actor,
            status=None if status == "all" else status,
            driver_id=driver_id,
            after=cursor,
            limit=limit,
        )
    )
    await audit_view(conn, actor, "possible_duplicates", detail={"count": len(items)})
    return envelope(request, items, after)


@get("/api/v1/possible-duplicates/{pair_id:int}", **COMMON, responses=NOT_YOURS,
     summary="A possible duplicate with its evidence")  # fmt: skip
async def show_possible_duplicate(
    request: Request[Any, Any, Any], conn: Conn, pair_id: PairId
) -> duplicates.DuplicatePair:
    actor = actor_of(request)
    pair = await own(duplicates.get_pair(conn, actor, pair_id))
    await audit_view(conn, actor, f"possible_duplicate:{pair_id}")
    return pair


@post(
    "/api/v1/possible-duplicates/{pair_id:int}/decision",
    **COMMON,
    status_code=200,
    responses={
        **NOT_YOURS,
        409: problem_spec("Already decided: undo the decision first"),
        422: problem_spec("decision is missing or not one of the choices"),
    },
    summary="Decide a pair: same_person (link the records) or different_people",
)
async def decide_possible_duplicate(
    request: Request[Any, Any, Any],
    conn: Conn,
    pair_id: PairId,
    data: JSONBody[duplicates.Decision],
    idempotency_key: Key = None,
) -> Response[duplicates.DuplicatePair]:
    """same_person links the two records (both kept, nothing deleted); different_people is
    remembered and the pair is never raised again. Audited; undo with .../undo."""

    return await change(request, conn, lambda actor: duplicates.decide(conn, actor, pair_id, data))


@post(
    "/api/v1/possible-duplicates/{pair_id:int}/undo",
    **COMMON,
    status_code=200,
    responses={**NOT_YOURS, 409: problem_spec("The pair has not been decided")},
    summary="Undo a decision: the pair is open again",
)
async def undo_possible_duplicate(
    request: Request[Any, Any, Any], conn: Conn, pair_id: PairId, idempotency_key: Key = None
) -> Response[duplicates.DuplicatePair]:
    return await change(request, conn, lambda actor: duplicates.undo(conn, actor, pair_id))


ROUTES = [
    list_possible_duplicates,
    show_possible_duplicate,
    decide_possible_duplicate,
    undo_possible_duplicate,
]
