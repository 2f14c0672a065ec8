"""The API's one paging style: `limit`, an opaque `cursor`, and the envelope {items, next}.

`next` is the link to the following page (the same path and filters, the cursor moved on);
it is null on the last page. The keyset queries and the cursor itself live in
registry.paging.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request
from litestar.params import QueryParameter

from registry.paging import DEFAULT_LIMIT, MAX_CURSOR, MAX_LIMIT, Page, page

T = TypeVar("T")

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Items per page (at most {MAX_LIMIT})")
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        description="Where the page starts: the cursor in the previous page's next link",
        max_length=MAX_CURSOR,
    ),
]
__all__ = ["DEFAULT_LIMIT", "Cursor", "Limit", "Page", "envelope", "page_of"]


def envelope(
    request: Request[Any, Any, Any], items: list[T], after: str | None, param: str = "cursor"
) -> Page[T]:
    """The page, with a link to the next one when there is more."""
    if after is None:
        return Page(items, None)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != param]
    query.append((param, after))
    return Page(items, request.url.path + "?" + urlencode(query))


def page_of(
    request: Request[Any, Any, Any],
    rows: Sequence[T],
    limit: int,
    key: Callable[[Any], tuple[Any, ...]] = lambda item: (item.id,),
) -> Page[T]:
    """The page from `limit` + 1 items fetched in key order: the first `limit`, and a next
    link after the last of them when the extra one came back."""
    items, after = page(rows, limit, key, lambda item: item)
    return envelope(request, items, after)
