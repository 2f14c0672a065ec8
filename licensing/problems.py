"""RFC 9457 problem details: every API error names each invalid field and what is wrong.

Messages never echo a submitted value: values may be personal data.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import msgspec
from asyncpg.exceptions import _base as asyncpg_base
from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from licensing import db
from registry.errors import Conflict, Invalid, NotFound

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

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        errors: list[FieldError] | tuple[FieldError, ...] = (),
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = list(errors)
        self.extra = extra or {}
        self.headers = headers or {}


RETRY_AFTER_SECONDS = 5
UNAVAILABLE_TITLE = "Service unavailable"
UNAVAILABLE_DETAIL = (
    "The register's database is not answering just now. Nothing was changed unless a later "
    "read shows it; try again after the Retry-After seconds (with the same Idempotency-Key)."
)


class DatabaseUnavailable(Problem):
    """503 with Retry-After: the database is down, unreachable, hanging or too busy."""

    def __init__(self) -> None:
        super().__init__(
            503,
            UNAVAILABLE_TITLE,
            UNAVAILABLE_DETAIL,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class InvalidFields(Problem):
    """422: the request was understood, but these fields are wrong."""

    def __init__(
        self,
        errors: list[FieldError] | tuple[FieldError, ...],
        detail: str = "Some fields are missing or wrong.",
    ) -> None:
        super().__init__(422, "Invalid request", detail, errors)


# Where each kind of record lives in the API, for Location headers and problem links.
HREFS = {
    "driver": "/api/v1/drivers/{}",
    "licence": "/api/v1/licences/{}",
    "register_entry": "/api/v1/register-entries/{}",
    "concern": "/api/v1/concerns/{}",
    "information_request": "/api/v1/information-requests/{}",
    "possible_duplicate": "/api/v1/possible-duplicates/{}",
    "identity_proposal": "/api/v1/identity-proposals/{}",
    "user": "/api/v1/users/{}",
    "token": "/api/v1/tokens/{}",
    "webhook": "/api/v1/webhooks/{}",
}


def href(kind: str, record_id: object) -> str:
    return HREFS[kind].format(record_id)


def conflict_problem(exc: Conflict) -> Problem:
    errors = [FieldError(exc.field, exc.message)] if exc.field else []
    extra = {}
    if exc.existing:
        kind, record_id = exc.existing
        extra["existing"] = {"kind": kind, "id": record_id, "href": href(kind, record_id)}
    return Problem(409, "Conflict with the register", exc.message, errors, extra=extra)


def not_found_problem(exc: NotFound) -> Problem:
    # The same words whether the record does not exist or belongs to someone else.
    return Problem(
        404, "Not found", f"There is no {exc.kind} with this id that your authority can see."
    )


def registry_problem(exc: Invalid | Conflict | NotFound) -> Problem:
    """What the registry's own errors mean in HTTP: 422 naming each field, 409, or 404."""
    if isinstance(exc, Invalid):
        return InvalidFields([FieldError(f, m) for f, m in exc.errors])
    if isinstance(exc, Conflict):
        return conflict_problem(exc)
    return not_found_problem(exc)


def problem_response(
    problem: ProblemDetails,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[Any]:
    content = msgspec.to_builtins(problem)
    if extra:
        content.update(extra)
    return Response(
        content=content, status_code=problem.status, media_type=MEDIA_TYPE, headers=headers
    )


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


def on_problem(_: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    return problem_response(
        ProblemDetails(exc.title, exc.status, detail=exc.detail, errors=exc.errors),
        headers=exc.headers or None,
        extra=exc.extra,
    )


def log_unavailable(request: Request[Any, Any, Any], exc: BaseException) -> None:
    # the type and route only, as for every error
    log.warning(
        "database unavailable (%s) on %s %s", type(exc).__name__, request.method, _route(request)
    )


def _sent_name(request: Request[Any, Any, Any], key: str) -> str:
    """A parameter as the client names it (`from`), not as the handler does (`from_date`)."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    said = getattr(parameter, "kwarg_definition", None)
    for alias in ("name", "query", "header"):  # QueryParameter(name=...) or Parameter(query=...)
        if isinstance(name := getattr(said, alias, None), str):
            return name
    return key


def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors, sources = [], set()
    for item in exc.extra or []:
        if isinstance(item, dict):
            message = str(item.get("message", "is not valid"))
            key = item.get("key")
            field = _sent_name(request, key) if key else _field_name(None, message)
            errors.append(FieldError(field, _clean(message)))
            sources.add(item.get("source"))
    if not errors:
        errors.append(FieldError("body", _clean(str(exc.detail))))
    if sources == {"query"}:
        # a wrong query parameter is refused like a wrong field of a body the service could
        # read: 422 naming it (a body or a path it cannot read stays 400)
        return problem_response(ProblemDetails("Invalid request", 422, errors=errors))
    return problem_response(
        ProblemDetails(
            "Invalid request", 400, detail="The request could not be read.", errors=errors
        )
    )


def on_http(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return problem_response(
        ProblemDetails(exc.detail or "Error", exc.status_code), headers=exc.headers
    )


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if db.unavailable(exc):
        log_unavailable(request, exc)
        return on_problem(request, DatabaseUnavailable())
    # The type and route only: exception text can carry submitted values.
    log.error(
        "unexpected %s on %s %s",
        type(exc).__name__,
        request.method,
        request.scope.get("path_template", request.url.path),
    )
    return problem_response(
        ProblemDetails(
            "Something went wrong",
            HTTP_500_INTERNAL_SERVER_ERROR,
            detail="The error has been logged. Try again later.",
        )
    )


def _route(request: Request[Any, Any, Any]) -> str:
    return request.scope.get("path_template") or request.url.path


def on_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # A value the database cannot hold (an id beyond int4, a date beyond its range) that no
    # Python check caught first. The message would echo the value, so it is never passed on.
    log.warning(
        "value out of range (%s) on %s %s", type(exc).__name__, request.method, _route(request)
    )
    return problem_response(
        ProblemDetails(
            "Invalid request", 422, detail="A value is outside the range the register accepts."
        )
    )


def on_constraint(
    request: Request[Any, Any, Any], exc: asyncpg.IntegrityConstraintViolationError
) -> Response[Any]:
    # The database's invariant held where the Python check missed: say so without the row.
    constraint = getattr(exc, "constraint_name", None) or type(exc).__name__
    log.warning(
        "constraint %s refused a write on %s %s", constraint, request.method, _route(request)
    )
    if isinstance(exc, asyncpg.UniqueViolationError):
        return problem_response(
            ProblemDetails("Conflict", 409, detail="This record already exists in the register.")
        )
    return problem_response(
        ProblemDetails(
            "Invalid request", 422, detail="The register does not accept these values together."
        )
    )


def on_registry_error(
    request: Request[Any, Any, Any], exc: Invalid | Conflict | NotFound
) -> Response[Any]:
    return on_problem(request, registry_problem(exc))


EXCEPTION_HANDLERS = {
    Problem: on_problem,
    Invalid: on_registry_error,
    Conflict: on_registry_error,
    NotFound: on_registry_error,
    ValidationException: on_validation,
    HTTPException: on_http,
    asyncpg.DataError: on_out_of_range,
    asyncpg_base.DataError: on_out_of_range,
    asyncpg.IntegrityConstraintViolationError: on_constraint,
    Exception: on_unexpected,
}


# OpenAPI: every API operation documents the problem+json answers it can give, so clients
# (and schemathesis) can rely on the error shape. A handler's own `responses` win.


def problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemDetails,
        description=description,
        media_type=MEDIA_TYPE,
        generate_examples=False,
    )


PROBLEM_SPECS = {
    400: problem_spec("The request could not be read; `errors` names each part"),
    401: problem_spec("Not signed in: send a valid API token"),
    403: problem_spec("The caller's role or authority does not allow this"),
    404: problem_spec("No such record"),
    409: problem_spec("The change conflicts with the register's current state"),
    422: problem_spec("Some fields are missing or wrong; `errors` names each one"),
    503: problem_spec(
        "The database is not answering (down, restarting or hanging): try again after "
        "Retry-After seconds"
    ),
}
UNAVAILABLE_SPEC = PROBLEM_SPECS[503]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_statuses(route: HTTPRoute, handler: HTTPRouteHandler) -> list[int]:
    statuses = [400, 422, 503]
    if handler.resolve_guards():
        statuses += [401, 403]
    if route.path_parameters:
        statuses.append(404)
    if set(handler.http_methods) & WRITE_METHODS:
        statuses.append(409)
    return statuses


def document_errors(app: Litestar, prefix: str = "/api/") -> None:
    """Add the problem+json responses to each API handler (before the schema is first built)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(prefix):
            continue
        for handler in route.route_handlers:
            own = dict(handler.responses or {})
            handler.responses = {
                **{s: PROBLEM_SPECS[s] for s in error_statuses(route, handler)},
                **own,
            }
