"""What a page shows when something stops it: never problem+json, always a GOV.UK page.

These handlers sit on the pages' router only; the API keeps its problem+json handlers.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)

from licensing import db
from licensing.pages import sessions
from licensing.pages.forms import CSRFError
from licensing.pages.render import page, redirect
from licensing.problems import (
    RETRY_AFTER_SECONDS,
    DatabaseUnavailable,
    Problem,
    log_unavailable,
    registry_problem,
)
from registry.errors import Conflict, Invalid, NotFound

log = logging.getLogger("crosscheck")


def not_signed_in(request: Request, _: NotAuthorizedException) -> Response:
    """No session: go and sign in, then come back. A session that has ended (the browser
    still sends its cookie): say so plainly, then sign in."""
    if request.scope.get("stale_session"):
        return redirect(
            "/signed-out?expired=1",
            cookies=[sessions.session_cookie(request.app.state.settings, None)],
        )
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    # the password is given, the second factor not yet: ask for it, then come back
    start = (
        sessions.second_factor_path(awaiting)
        if (awaiting := request.scope.get("awaiting_second_factor"))
        else "/sign-in"
    )
    if request.method == "GET" and target not in ("/", "/sign-in"):
        return redirect(start + "?next=" + quote(target, safe=""))
    return redirect(start)


def forbidden(request: Request, exc: PermissionDeniedException) -> Response:
    if isinstance(exc, CSRFError):
        return page(
            "error.html",
            request,
            status_code=403,
            title="Your form could not be sent",
            paragraphs=[
                "The page you sent it from had expired, or it came from another website.",
                "Go back, reload the page and try again.",
            ],
        )
    return page(
        "error.html",
        request,
        status_code=403,
        title="You cannot see this page",
        paragraphs=[
            "Your account's role does not allow it. If you need it for your "
            "work, ask your administrator."
        ],
    )


def not_found(request: Request, _: Exception) -> Response:
    return page(
        "error.html",
        request,
        status_code=404,
        title="Page not found",
        paragraphs=[
            "If you typed the web address, check it is correct.",
            "If you followed a link, the record may have been removed.",
        ],
    )


def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404:
        return not_found(request, exc)
    response = page(
        "error.html",
        request,
        status_code=exc.status_code,
        title="Sorry, there is a problem with the service",
        paragraphs=[exc.detail or "Try again later."],
    )
    response.headers.update(exc.headers or {})  # Retry-After on a 429
    return response


def service_unavailable(request: Request) -> Response:
    """The GOV.UK "service unavailable" pattern, with Retry-After: the database is not
    answering (down, restarting, hanging)."""
    response = page(
        "error.html",
        request,
        status_code=503,
        title="Sorry, the service is unavailable",
        paragraphs=[
            "You will be able to use the service again shortly. Try again in a few minutes.",
            "If you were recording something, check whether it was saved before you record "
            "it again.",
        ],
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def problem(request: Request, exc: Problem) -> Response:
    if exc.status == 404:
        return not_found(request, exc)
    if isinstance(exc, DatabaseUnavailable):
        return service_unavailable(request)
    return page(
        "error.html",
        request,
        status_code=exc.status,
        title=exc.title,
        paragraphs=[exc.detail] if exc.detail else [],
    )


def registry_error(request: Request, exc: Invalid | Conflict | NotFound) -> Response:
    """A registry error no form took (a form shows its own in the error summary)."""
    return problem(request, registry_problem(exc))


def unexpected(request: Request, exc: Exception) -> Response:
    if db.unavailable(exc):
        log_unavailable(request, exc)
        return service_unavailable(request)
    # The type and route only: exception text can carry submitted values.
    log.error(
        "unexpected %s on page %s %s",
        type(exc).__name__,
        request.method,
        request.scope.get("path_template", request.url.path),
    )
    return page(
        "error.html",
        request,
        status_code=500,
        title="Sorry, there is a problem with the service",
        paragraphs=["Try again later. Anything you had not submitted has not been saved."],
    )


EXCEPTION_HANDLERS = {
    NotAuthorizedException: not_signed_in,
    PermissionDeniedException: forbidden,
    NotFoundException: not_found,
    # a malformed path or query (an id that is not a number) cannot name a record
    ValidationException: not_found,
    HTTPException: http_error,
    Problem: problem,
    Invalid: registry_error,
    Conflict: registry_error,
    NotFound: registry_error,
    Exception: unexpected,
}


def unmatched(request: Request, exc: HTTPException) -> Response:
    """A path no route serves (or a method it does not take): a page for people, a problem
    for API callers. Installed on the app, since no router has been chosen yet."""
    from licensing.problems import on_http

    if request.url.path.startswith(("/api/", "/schema")) or "text/html" not in request.headers.get(
        "accept", ""
    ):
        return on_http(request, exc)
    return http_error(request, exc)
