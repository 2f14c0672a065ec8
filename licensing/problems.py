"""RFC 9457 problem details: every API error names each invalid field and what is wrong.

Messages never echo a submitted value: values may be personal data.
"""

from __future__ import annotations

import logging

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("crosscheck")

MEDIA_TYPE = "application/problem+json"


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    title: str
    status: int
    type: str = "about:blank"
    detail: str | None = None
    errors: list[FieldError] = []


class Problem(Exception):
    """Raise from anywhere below a handler to answer with problem+json."""

    def __init__(self, status: int, title: str, detail: str | None = None,
                 errors: list[FieldError] | tuple[FieldError, ...] = (),
                 extra: dict | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.extra = extra or {}


class InvalidFields(Problem):
    """422: the request was understood, but these fields are wrong."""

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...],
                 detail: str = "Some fields are missing or wrong.") -> None:
        super().__init__(422, "Invalid request", detail, errors)


def problem_response(problem: ProblemDetails, headers: dict[str, str] | None = None,
                     extra: dict | None = None) -> Response:
    content = msgspec.to_builtins(problem)
    if extra:
        content.update(extra)
    return Response(content=content, status_code=problem.status, media_type=MEDIA_TYPE,
                    headers=headers)


def _field_name(key: str | None, message: str) -> str:
    if key:
        return key
    # msgspec says "Object missing required field `name`" or "... - at `$.name`"
    if "`" in message:
        part = message.split("`")[-2]
        return part.removeprefix("$.").removeprefix("$")
    return "body"


def _clean(message: str) -> str:
    # msgspec phrasing, minus the JSON path (we name the field separately)
    return message.split(" - at `")[0]


def on_problem(_: Request, exc: Problem) -> Response:
    return problem_response(ProblemDetails(exc.title, exc.status, detail=exc.detail,
                                           errors=exc.errors), extra=exc.extra)


def on_validation(_: Request, exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            message = str(item.get("message", "is not valid"))
            errors.append(FieldError(_field_name(item.get("key"), message), _clean(message)))
    if not errors:
        errors.append(FieldError("body", _clean(str(exc.detail))))
    return problem_response(ProblemDetails("Invalid request", 400,
                                           detail="The request could not be read.", errors=errors))


def on_http(_: Request, exc: HTTPException) -> Response:
    return problem_response(ProblemDetails(exc.detail or "Error", exc.status_code),
                            headers=exc.headers)


def on_unexpected(request: Request, exc: Exception) -> Response:
    # The type and route only: exception text can carry submitted values.
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method,
              request.scope.get("path_template", request.url.path))
    return problem_response(ProblemDetails("Something went wrong", HTTP_500_INTERNAL_SERVER_ERROR,
                                           detail="The error has been logged. Try again later."))


EXCEPTION_HANDLERS = {
    Problem: on_problem,
    ValidationException: on_validation,
    HTTPException: on_http,
    Exception: on_unexpected,
}
