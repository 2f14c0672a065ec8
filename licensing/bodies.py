"""Reading JSON bodies safely: every malformed body is a 4xx problem that names what is wrong.

Litestar decodes a JSON body the first time a handler needs it (`Request.json()`), after the
route's guards have run. `CheckedRequest` checks the raw bytes first:

- size: the app refuses bodies over `MAX_BODY_BYTES` (413) while reading them; the import
  upload sets its own, larger limit;
- encoding: the body must be UTF-8 (400, field `body`);
- nesting: arrays and objects at most `MAX_DEPTH` deep (400, field `body`), checked by a scan
  that does not recurse, so no depth reaches the decoder's recursion limit;
- NUL characters: refused in any string or key (422, naming every such field); PostgreSQL
  text cannot hold them and they have no place in a name or a narrative. The API's query
  parameters are held to the same rule before they are read (`refuse_nul_in_query`).

Messages never echo the body: it may be personal data.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException
from litestar.serialization import decode_json
from litestar.types import Empty

from licensing.problems import FieldError, InvalidFields, Problem

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32

# A JSON string (with its escapes), so brackets inside strings are not counted as nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def unreadable(field: str, message: str) -> Problem:
    return Problem(
        400, "Invalid request", "The request could not be read.", [FieldError(field, message)]
    )


def depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, without recursing."""
    deepest = level = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if bracket.group() in (b"[", b"{"):
            level += 1
            deepest = max(deepest, level)
        else:
            level -= 1
    return deepest


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """The path of every string or key holding a NUL character."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                found.append(path or "body")
            found += _nul_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nul_paths(item, f"{path}[{index}]" if path else f"[{index}]")
    return found


def _nul_refused(fields: list[str]) -> InvalidFields:
    return InvalidFields(
        [FieldError(field, "Text must not contain NUL characters") for field in fields]
    )


async def refuse_nul_in_query(request: Request) -> None:
    """Before a handler reads its query parameters: a NUL in one is a 422 naming it."""
    query = request.query_params.multi_items()
    if fields := sorted({key for key, value in query if "\x00" in key + value}):
        raise _nul_refused(fields)


def check_json(body: bytes) -> Any:
    """The decoded body, or a 400 problem naming what makes it unreadable."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise unreadable("body", "The body must be JSON encoded as UTF-8") from None
    if depth(body) > MAX_DEPTH:
        raise unreadable("body", f"The body must not nest more than {MAX_DEPTH} levels deep")
    try:
        value = decode_json(body or b"null")
    except SerializationException:  # its message would quote the body
        raise unreadable("body", "The body must be valid JSON") from None
    if fields := _nul_paths(value):
        raise _nul_refused(fields)
    return value


class CheckedRequest(Request):
    """Litestar's Request, with the JSON body checked before it is decoded."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            self._json = self._connection_state.json = check_json(await self.body())
        return await super().json()
