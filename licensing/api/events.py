"""The change feed: GET /api/v1/events?after=CURSOR (registry/feed.py says what is in it)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter

from licensing.api.common import Conn
from licensing.api.paging import DEFAULT_LIMIT, Limit, Page, envelope
from licensing.auth import actor_of, officer
from licensing.problems import FieldError, InvalidFields
from registry import feed
from registry.actor import audit_view
from registry.errors import Invalid
from registry.paging import MAX_CURSOR

After = Annotated[
    str | None,
    QueryParameter(
        description="The cursor in the previous page's next link; leave out to read from the "
        "start of the register",
        max_length=MAX_CURSOR,
    ),
]


@get(
    "/api/v1/events",
    guards=[officer],
    tags=["events"],
    summary="What changed on the register that your authority may see, from a cursor",
)
async def list_events(
    request: Request[Any, Any, Any],
    conn: Conn,
    after: After = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[feed.Event]:
    """Register events in the order their changes became final: a change that has not yet
    committed holds back the events after it, so a page never has to be read again. Follow
    `next` until `items` is empty, keep the last `next`, and ask it again later: after an
    outage, resume from it and nothing is missed or repeated. `next` is never null. Events
    name their subject by kind and id; read the subject through the API as usual."""
    try:
        items, cursor = await feed.events(conn, actor_of(request), after=after, limit=limit)
    except Invalid:
        raise InvalidFields(
            [FieldError("after", "Use the cursor from the previous page's next link")]
        ) from None
    if items:  # who read which events is logged; an empty poll leaves no row
        await audit_view(
            conn,
            actor_of(request),
            "events",
            detail={"first": items[0].id, "last": items[-1].id, "count": len(items)},
        )
    page = envelope(request, items, cursor, param="after")
    return page if page.next else Page(items, str(request.url.path))


ROUTES = [list_events]
