"""CSV downloads, the same for the API and the pages: a whole text, or streamed in pieces."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Response
from litestar.response import Stream

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
NO_STORE = {"Cache-Control": "no-store"}  # for a download that must stay off shared caches


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(
    text: str, filename: str, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=text.encode("utf-8"),
        media_type=CSV_MEDIA_TYPE,
        headers={**(headers or {}), **_attachment(filename)},
    )


def csv_stream(
    pieces: AsyncIterator[str], filename: str, headers: dict[str, str] | None = None
) -> Stream:
    return Stream(
        pieces, media_type=CSV_MEDIA_TYPE, headers={**(headers or {}), **_attachment(filename)}
    )
