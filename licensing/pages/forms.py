"""Reading submitted forms: the CSRF check every POST passes, and the errors a form shows.

A Form keeps what was typed (to show it again) and a list of (field, message) errors; the
templates turn those into the GOV.UK error summary at the top and an inline message at each
field. Field names are the API's field names, so errors the registry raises (which name the
API's fields) land on the right input.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

import asyncpg
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers import HTTPRouteHandler

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import content, sessions
from licensing.pages.fields import Asked, Field, every, filled, form_page, made, read
from licensing.pages.render import Conn, page, redirect
from licensing.pages.visit import with_visit
from licensing.problems import InvalidFields
from registry.accounts import AccountError
from registry.actor import Actor, acting
from registry.errors import Conflict, Invalid, NotFound, from_database
from registry.identifiers import IdentifierError
from registry.today import london_today

# Errors that name the fields a person got wrong: shown on the form, never as an error page.
FIELD_ERRORS: tuple[type[Exception], ...] = (
    Invalid,
    Conflict,
    AccountError,
    InvalidFields,
    IdentifierError,
)


class CSRFError(PermissionDeniedException):
    """The form did not carry this session's token: it may have been sent from another site."""


async def read_form(request: Request) -> Form:
    """The submitted form, once its CSRF token matches the session's."""
    data = await request.form()
    session = request.scope.get("web_session")
    sent = data.get("csrf_token")
    # A bearer token is never sent by a browser on its own, so a request signed in by one
    # cannot be forged by another site: only the session cookie needs the check.
    by_token = getattr(request.user, "via", None) == "token"
    if not by_token and (session is None or not sessions.same_token(sent, session.csrf_token)):
        raise CSRFError("The form could not be accepted. Go back, reload the page and try again.")
    return Form({key: data.getall(key) for key in data if key != "csrf_token"})


class Form:
    """Submitted values (each a list, as forms send them) and the errors found in them."""

    def __init__(self, values: dict[str, list[str]] | None = None) -> None:
        self.values = values or {}
        self.errors: list[tuple[str, str]] = []
        self.anchors: dict[str, str] = {}
        # the fields the page shows, in order: the summary lists errors in the same order,
        # and an error about any other field has no link to follow
        self.fields: list[str] = []

    # what was sent ------------------------------------------------------------------------

    def get(self, name: str, default: str = "") -> str:
        found = self.values.get(name)
        return found[0].strip() if found else default

    def getall(self, name: str) -> list[str]:
        return [value.strip() for value in self.values.get(name, []) if value.strip()]

    # errors ------------------------------------------------------------------------------

    def add_error(self, field: str, message: str, anchor: str | None = None) -> None:
        """Record an error; the first message for a field wins (GOV.UK shows one per field)."""
        if self.error(field) is None:
            self.errors.append((field, message))
            if anchor:
                self.anchors[field] = anchor

    def error(self, field: str) -> str | None:
        for name, message in self.errors:
            if name == field:
                return message
        return None

    def error_message(self, field: str) -> dict | None:
        """The errorMessage parameter for a GOV.UK macro, or None."""
        message = self.error(field)
        return {"text": message} if message else None

    def summary(self) -> list[dict]:
        """The errorList of the GOV.UK error summary: each links to its field."""
        order = {name: n for n, name in enumerate(self.fields)}
        errors = sorted(self.errors, key=lambda error: order.get(error[0], -1))
        return [
            {"text": message, "href": "#" + self.anchor(field)}
            if not self.fields or field in order
            else {"text": message}
            for field, message in errors
        ]

    @property
    def ok(self) -> bool:
        return not self.errors

    def take(self, exc: Exception, fields: dict[str, str] | None = None) -> None:
        """Add the errors a registry or identifier error carries, renaming fields the form
        names differently (fields maps the registry's name to the form's)."""
        fields = fields or {}
        for field, message in field_errors(exc):
            self.add_error(fields.get(field, field) if field else "", message)

    # typed readers, each adding a GOV.UK style message when the value is wrong --------------

    def required(self, name: str, message: str) -> str:
        value = self.get(name)
        if not value:
            self.add_error(name, message)
        return value

    def date(
        self, name: str, label: str, *, required: bool = True, past: bool = False
    ) -> date | None:
        """A GOV.UK date input (name-day, name-month, name-year)."""
        parts = {part: self.get(f"{name}-{part}") for part in ("day", "month", "year")}
        lower = label[0].lower() + label[1:]
        if not any(parts.values()):
            if required:
                self.add_error(name, f"Enter {lower}", f"{name}-day")
            return None
        missing = [part for part, value in parts.items() if not value]
        if missing:
            self.add_error(
                name, f"{label} must include a {' and '.join(missing)}", f"{name}-{missing[0]}"
            )
            return None
        if (
            not all(re.fullmatch(r"\d{1,4}", value) for value in parts.values())
            or len(parts["year"]) != 4
        ):
            self.add_error(name, f"{label} must be a real date", f"{name}-day")
            return None
        try:
            value = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
        except ValueError:
            self.add_error(name, f"{label} must be a real date", f"{name}-day")
            return None
        if past and value > london_today():
            self.add_error(name, f"{label} must be today or in the past", f"{name}-day")
            return None
        return value

    def iso_date(self, name: str, label: str) -> str | None:
        """A date input as the registry takes it (2024-03-31), None when left blank. When the
        parts do not make a date, the page's message is recorded and a value the registry
        refuses is returned, so nothing is written and both sets of errors are shown."""
        self.anchors.setdefault(name, f"{name}-day")
        if not any(self.get(f"{name}-{part}") for part in ("day", "month", "year")):
            return None
        value = self.date(name, label, required=False)
        return value.isoformat() if value else "not a date"

    def integer(self, name: str, message: str, *, required: bool = True) -> int | None:
        value = self.get(name)
        if not value:
            if required:
                self.add_error(name, message)
            return None
        if not re.fullmatch(r"\d{1,12}", value):
            self.add_error(name, message)
            return None
        return int(value)

    def anchor(self, field: str) -> str:
        return self.anchors.get(field, field)


class _NothingWritten(Exception):
    """Raised inside the transaction when the form has errors, so it rolls back."""


async def attempt(conn, form: Form, principal, action, *, fields: dict[str, str] | None = None):
    """Run `action()` (which writes through registry functions) in one transaction, as the
    signed-in officer. Errors it raises about fields land on the form; when the form has any
    error (the page's own checks included), the transaction rolls back: nothing is written.
    Returns the action's result, or None when nothing was written."""
    try:
        async with acting(conn, Actor(principal.user_id, principal.authority_id)):
            result = await action()
            if not form.ok:
                raise _NothingWritten()
            return result
    except _NothingWritten:
        return None
    except FIELD_ERRORS as exc:
        form.take(exc, fields)
        return None
    except asyncpg.IntegrityConstraintViolationError as exc:
        # a rule the registry's checks did not catch first (a race, usually), in words
        form.take(from_database(exc), fields)
        return None
    except NotFound:
        raise NotFoundException() from None


def field_errors(exc: Exception) -> list[tuple[str, str]]:
    """(field, message) pairs from the errors the registry raises: an exception with
    `errors` (FieldError-like objects or pairs) or with `field` and `message`."""
    found = []
    for item in getattr(exc, "errors", None) or []:
        if isinstance(item, tuple):
            found.append((str(item[0]), str(item[1])))
        else:
            found.append((item.field, item.message))
    if not found and hasattr(exc, "message"):
        found.append((getattr(exc, "field", None) or "", exc.message))
    return found


# --- one GET/POST pair from one declaration -----------------------------------------------

Subject = Any  # what the page is about: a driver's row, a licence, nothing


async def _nothing(request: Request, conn: asyncpg.Connection) -> None:
    return None


@dataclass
class FormPage:
    """A form page: GET shows it, POST reads it, writes through the registry and moves on,
    or shows it again (400) with the errors. Each hook takes what the page is about (the
    subject `load` finds from the path; an unknown one is the 404 page).

    - fields: the declarations; a field asked of the struct the page saves (fields.ask, or its
      name) is made from its declaration. Left out, the page asks every declared field of that
      struct, in its order (fields.every). A choice whose options the record or the database
      decides is given them as a function of (conn, request, subject) (fields.OptionsOf)
    - key: the page's table in the content catalogue (licensing.pages.content), which gives
      its title, caption, button and intro and its fields' words; a field's words name a
      field of the struct it saves
    - title, caption, button, intro: the page's fixed words, when it has no key; the form
      posts to the page's own address, keeping the officer's visit (licensing.pages.visit)
    - words: (request, conn, subject) -> more for form_page.html (facts, back link, intro,
      banner, a title naming the subject), or those words as they are; facts given as a dict
      by name are labelled by the catalogue (content.facts); with `view_only=True` the record
      is shown without the form (someone else's to answer)
    - prefill: fields the address's query fills on GET (?case_reference=...)
    - shows: subject -> the stored values (by the struct's names) the form starts from on GET,
      when it changes a record
    - save: (conn, actor, subject, values) -> the registry's result, values being the
      fields read into the struct's names (fields.read)
    - done: (request, subject, result) -> where to go next, or the page to show (one that
      shows what exists only now, like a new token)

    A page that saves nothing (no `save`) only shows its record: GET alone, its `template`
    drawn with its words (the page after a licence is recorded, the requests inbox).
    """

    path: str
    save: Callable[[asyncpg.Connection, Actor, Subject, dict[str, Any]], Awaitable[Any]] | None = (
        None
    )
    done: Callable[[Request, Subject, Any], str | Response] | None = None
    fields: Sequence[Asked] | None = None
    key: str | None = None
    title: str = ""
    caption: str = "Register"
    button: str = "Save"
    intro: Sequence[str] = ()
    words: (
        Callable[[Request, asyncpg.Connection, Subject], Awaitable[dict[str, Any]]]
        | dict[str, Any]
        | None
    ) = None
    load: Callable[[Request, asyncpg.Connection], Awaitable[Subject]] = _nothing
    shows: Callable[[Subject], Mapping[str, Any]] | None = None
    prefill: Sequence[str] = ()
    check: Callable[[Form, dict[str, Any]], None] | None = None  # rules across fields
    renames: dict[str, str] | None = None  # the registry's field name -> the form's
    guards: list[Any] = dataclasses.field(default_factory=lambda: [auth.officer])
    template: str = "form_page.html"  # another shows the fields among more (duplicate.html)

    def __post_init__(self) -> None:
        self.into = getattr(self.save, "into", None)
        self.field_words = self._field_words()
        self.fact_labels = content.facts(self.key)
        if self.fields is None and self.save is not None:
            if self.into is None:
                raise TypeError(f"{self.path} asks no fields and saves no struct")
            self.fields = every(self.into)
        # made once: a field the struct lacks fails on import
        self.fields = made(self.fields or (), self.into, self.field_words)

    def _field_words(self) -> dict[str, dict[str, Any]]:
        """The page's words from the catalogue, its fields' by name (each naming a field of
        the struct it saves, checked here, on import)."""
        if self.key is None:
            return {}
        for word, said in content.some(self.key, "title", "caption", "button", "intro").items():
            setattr(self, word, said)
        return content.fields(self.key, self.into)

    async def _fields(
        self, request: Request, conn: asyncpg.Connection, subject: Subject
    ) -> Sequence[Field]:
        return [await field.offered(conn, request, subject) for field in self.fields]

    async def show(
        self, request: Request, conn: asyncpg.Connection, subject: Subject, form: Form
    ) -> Response:
        posted = request.method == "POST"
        status_code = 400 if posted else 200
        words = {
            "title": _naming(self.title, subject),
            "caption": self.caption,
            "submit": self.button,
            "action": with_visit(request.url.path, request),
            # errors sent back by another route (an undo) still name the form's own address
            **({"form_address": with_visit(self.address(request), request)} if posted else {}),
            **({"intro": [_naming(said, subject) for said in self.intro]} if self.intro else {}),
        }
        if isinstance(self.words, dict):
            words.update(self.words)
        elif self.words:
            words.update(await self.words(request, conn, subject))
        if isinstance(words.get("facts"), dict):  # by name, labelled by the catalogue
            words["facts"] = content.rows(self.fact_labels, words["facts"])
        if words.pop("view_only", False):
            return page("record_view.html", request, status_code=status_code, **words)
        fields = await self._fields(request, conn, subject)
        return form_page(request, form, fields, self.template, status_code=status_code, **words)

    def address(self, request: Request) -> str:
        """The page's own path: /duplicates/{pair_id:int} with the request's pair_id."""
        params = request.path_params
        return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: str(params[m.group(1)]), self.path)

    async def submit(self, request: Request, conn: asyncpg.Connection) -> Response:
        form = await read_form(request)
        subject = await self.load(request, conn)
        fields = await self._fields(request, conn, subject)
        values = read(form, fields, self.into)
        if self.check:
            self.check(form, values)
        actor = actor_of(request)
        result = await attempt(
            conn,
            form,
            request.user,
            lambda: self.save(conn, actor, subject, values),
            fields=self.renames,
        )
        if result is None:
            return await self.show(request, conn, subject, form)
        after = self.done(request, subject, result)
        return after if isinstance(after, Response) else redirect(after)

    def routes(self) -> list[HTTPRouteHandler]:
        async def show_form(request: Request, conn: Conn) -> Response:
            subject = await self.load(request, conn)
            query = {name: [request.query_params.get(name, "")] for name in self.prefill}
            shown = filled(self.fields, self.shows(subject)) if self.shows else {}
            form = Form({**query, **shown})
            return await self.show(request, conn, subject, form)

        async def submit_form(request: Request, conn: Conn) -> Response:
            return await self.submit(request, conn)

        shown = get(self.path, guards=self.guards, name=f"{self.path} form")(show_form)
        if self.save is None:
            return [shown]
        return [shown, post(self.path, guards=self.guards, name=f"{self.path} submit")(submit_form)]


def _naming(said: str, subject: Subject) -> str:
    """Words with {names} name the record the page is about (Change {forenames} {surname}'s
    details, {authority} must answer within 20 working days)."""
    return said.format_map(subject) if "{" in said else said


def routes(*pages: FormPage | HTTPRouteHandler | ModuleType) -> list[HTTPRouteHandler]:
    """The routes of these form pages and handlers; a module gives every form page it holds
    and every handler it defines, in the order it declares them."""
    found: list[HTTPRouteHandler] = []
    for item in pages:
        if isinstance(item, ModuleType):
            found += routes(*(page for page in vars(item).values() if _declared(page, item)))
        else:
            found += item.routes() if isinstance(item, FormPage) else [item]
    return found


def _declared(value: Any, module: ModuleType) -> bool:
    if isinstance(value, HTTPRouteHandler):
        return value.fn.__module__ == module.__name__
    return isinstance(value, FormPage)


@dataclass(frozen=True)
class Saves:
    """A FormPage's save: the registry's `does(conn, actor, key(subject), struct)` (no key
    when None), the struct `into(**values)` plus what the subject gives it (driver_id=...).
    Knowing the struct lets a test check that each declared field fills one of its fields."""

    does: Callable[..., Awaitable[Any]]
    into: type
    key: Callable[[Subject], Any] | None = None
    given: dict[str, Callable[[Subject], Any]] = dataclasses.field(default_factory=dict)

    async def __call__(
        self, conn: asyncpg.Connection, actor: Actor, subject: Subject, values: dict[str, Any]
    ) -> Any:
        given = {name: get(subject) for name, get in self.given.items()}
        keys = () if self.key is None else (self.key(subject),)
        return await self.does(conn, actor, *keys, self.into(**values, **given))


def saves(
    does: Callable[..., Awaitable[Any]],
    into: type,
    key: Callable[[Subject], Any] | None = None,
    **given: Callable[[Subject], Any],
) -> Saves:
    return Saves(does, into, key, given)
