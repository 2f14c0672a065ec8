"""One way to page through a list: keyset order, an opaque cursor, and a `Page` envelope.

A list query orders by a key that ends in a unique column, fetches one row more than asked,
and the cursor is the key of the last row returned: the next page starts strictly after it,
so rows added or removed meanwhile never shift a page (no offsets). The cursor is the key
encoded as base64url JSON: opaque to clients, checked on the way back in.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import msgspec

from registry.errors import Invalid

T = TypeVar("T")
MAX_CURSOR = 300
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: `next` is the link to the page after it, null on the last page."""

    items: list[T]
    next: str | None


def encode(key: Sequence[Any]) -> str:
    values = [v.isoformat() if isinstance(v, date) else v for v in key]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, kinds: Sequence[type]) -> tuple[Any, ...] | None:
    """The key a cursor holds, each value of the kind given (int, str, bool, date)."""
    if cursor is None or cursor == "":
        return None
    wrong = Invalid([("cursor", "Use the cursor from the previous page's next link")])
    if len(cursor) > MAX_CURSOR:
        raise wrong
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise wrong from None
    if not isinstance(values, list) or len(values) != len(kinds):
        raise wrong
    try:
        return tuple(_value(v, kind) for v, kind in zip(values, kinds, strict=True))
    except (TypeError, ValueError):
        raise wrong from None


def last_id(cursor: str | None) -> int | None:
    """The id a cursor of a list ordered by id alone holds (None for the first page)."""
    key = decode(cursor, (int,))
    return None if key is None else key[0]


def _value(value: Any, kind: type) -> Any:
    if value is None:
        return None
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    ok = (
        isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
        if kind is int
        else isinstance(value, kind)
    )
    if not ok:
        raise ValueError
    return value


def page(
    rows: Sequence[Any], limit: int, key: Callable[[Any], Sequence[Any]], item: Callable[..., T]
) -> tuple[list[T], str | None]:
    """The first `limit` rows as items, and the cursor after them when more rows came back."""
    items = [item(row) for row in rows[:limit]]
    after = encode(key(rows[limit - 1])) if len(rows) > limit else None
    return items, after
