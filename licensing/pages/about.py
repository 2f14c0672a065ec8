"""What a form page is about, for forms.FormPage's hooks: the record its path names (or the 404
page), the facts it shows about the record and the driver it concerns, the way back to that
driver's record, and the page where a record another authority sent is read and answered."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from operator import attrgetter
from typing import Any

import asyncpg
from litestar import Request
from litestar.exceptions import NotFoundException

from licensing.auth import actor_of
from licensing.pages import content
from licensing.pages.forms import FormPage, saves
from licensing.pages.render import LABELS, long_date
from licensing.pages.visit import with_visit
from registry import lookups
from registry.actor import Actor, audit_view
from registry.authorities import name_of, names_by_code
from registry.errors import NotFound

Facts = dict[str, Any]  # by name, in the order shown; their labels are the catalogue's
MAX_ID = 2**63 - 1  # the largest bigint key
(NOT_KNOWN,) = content.take("driver", "not_known")


async def found(look_up: Callable[..., Awaitable[Any]], conn: asyncpg.Connection, key: Any) -> Any:
    """What `look_up(conn, key)` finds, or the 404 page (a number no row can have is not
    looked up)."""
    row = await look_up(conn, key) if not isinstance(key, int) or 0 < key <= MAX_ID else None
    if row is None:
        raise NotFoundException()
    return row


async def driver_or_404(conn: asyncpg.Connection, driver_id: uuid.UUID) -> asyncpg.Record:
    """The driver with this public id: `id` is the internal key, `public_id` goes in links."""
    return await found(lookups.driver, conn, driver_id)


async def the_driver(request: Request, conn: asyncpg.Connection) -> asyncpg.Record:
    """The driver the path names, or the 404 page."""
    return await driver_or_404(conn, request.path_params["driver_id"])


def record_form(path: str, get: Callable[..., Awaitable[Any]], **page: Any) -> FormPage:
    """A form about the officer's own record its path names, found by the registry's `get`
    (own): unless the page says otherwise, it shows the driver's facts, then the record's
    (`facts`, a function of the record), and links back to the driver's record."""
    rows = page.pop("facts", lambda record: {})
    return FormPage(path, **{"load": own(get, _param(path)), "words": facts(rows), **page})


def _param(path: str) -> str:
    """The path's parameter: /concerns/{concern_id:int} -> concern_id."""
    return path.split("{")[1].split(":")[0]


def driver_form(path: str, **page: Any) -> FormPage:
    """A form about the driver its path names (/drivers/{driver_id}/`path`): unless the page
    says otherwise, it shows who they are and links back to their record (facts())."""
    return FormPage(
        f"/drivers/{{driver_id:uuid}}/{path}", **{"load": the_driver, "words": facts(), **page}
    )


def own(
    get: Callable[[asyncpg.Connection, Actor, Any], Awaitable[Any]], param: str
) -> Callable[[Request, asyncpg.Connection], Awaitable[Any]]:
    """A loader of the officer's own record the path's `param` names, by the registry's `get`,
    or the 404 page (the same for anyone else's)."""

    async def load(request: Request, conn: asyncpg.Connection) -> Any:
        key = request.path_params[param]
        if isinstance(key, int) and not 0 < key <= MAX_ID:  # no such row, nor a key for one
            raise NotFoundException()
        try:
            return await get(conn, actor_of(request), key)
        except NotFound:
            raise NotFoundException() from None

    return load


def officers(
    look_up: Callable[[asyncpg.Connection, int, int], Awaitable[list[Any]]],
    shown: Callable[[Any], tuple[str, str]] = tuple,
) -> Callable[[Any, Request, Any], Awaitable[list[tuple[str, ...]]]]:
    """A choice's options from `look_up(conn, the driver's key, the officer's authority)`,
    each row `shown` as (value, text): the driver's licences from the officer's authority."""

    async def options(conn: asyncpg.Connection, request: Request, driver: Any) -> list:
        return [shown(row) for row in await look_up(conn, driver["id"], request.user.authority_id)]

    return options


def public_id(subject: Any) -> uuid.UUID:
    """The public id of the driver a subject is about: a driver's row, or a record of theirs."""
    if isinstance(subject, asyncpg.Record):
        return subject["public_id"] if "public_id" in subject else subject["driver_id"]
    driver_id: uuid.UUID = subject.driver_id
    return driver_id


async def shown(request: Request, conn: asyncpg.Connection, driver: int | uuid.UUID) -> None:
    """One 'view' audit row for a form that shows who a driver is (name, date of birth), each
    time it is shown: the officer, their authority, the driver and the form (its address with
    the ids left as names), nothing more. Nothing is refused: an officer may act on a driver
    their search found long ago (docs/security.md V7)."""
    form = request.scope.get("path_template") or request.url.path
    await audit_view(conn, actor_of(request), f"form:{form}", driver)


def driver_facts(driver: asyncpg.Record) -> Facts:
    return {
        "driver": f"{driver['forenames']} {driver['surname']}",
        "date_of_birth": long_date(driver["date_of_birth"]),
        "home_authority": driver["home_authority"] or NOT_KNOWN,
    }


def decided(decision: str, on: Any, kind: str = "decision") -> str:
    """A decision (a register decision, or another `kind` of registry.labels) and its day:
    "Revoked, 3 March 2026"."""
    return f"{LABELS[kind][decision]}, {long_date(on)}"


def facts(
    rows: Callable[[Any], Facts] = lambda subject: {}, **words: Any
) -> Callable[[Request, asyncpg.Connection, Any], Awaitable[dict[str, Any]]]:
    """The words of a form about a driver: who they are, then `rows` (facts about the subject,
    by name: the page's catalogue table labels them) and a link back to their record; `words`
    adds to or replaces them (a function of the subject gives its words). Each showing is
    audited (`shown`): the form shown again with errors too, a form saved and left not."""

    async def say(request: Request, conn: asyncpg.Connection, subject: Any) -> dict[str, Any]:
        driver = subject
        if not isinstance(subject, asyncpg.Record) or "public_id" not in subject:
            driver = await driver_or_404(conn, public_id(subject))
        await shown(request, conn, driver["id"])
        back = with_visit(f"/drivers/{public_id(subject)}", request)
        more = {name: said(subject) if callable(said) else said for name, said in words.items()}
        return {"facts": driver_facts(driver) | rows(subject), "back_href": back, **more}

    return say


def to_driver(done: str, ref: Callable[[Any, Any], int] | None = None) -> Callable[..., str]:
    """Where a form goes once saved: the driver's record, opened as it was, with `done`'s
    banner (and `ref(subject, result)`, the row it is about)."""

    def after(request: Request, subject: Any, result: Any) -> str:
        refs = {"ref": ref(subject, result)} if ref else {}
        return with_visit(f"/drivers/{public_id(subject)}", request, done=done, **refs)

    return after


# --- a record sent by one authority and answered by another ---------------------------------


def answered_page(
    path: str,
    *,
    key: str,
    get: Callable[[asyncpg.Connection, Actor, int], Awaitable[Any]],
    answerer: Callable[[Any], str | None],
    facts: Callable[[asyncpg.Connection, Any, dict[str, str]], Awaitable[Facts]],
    backs: tuple[str, str | None],
    sent: str,
    audit_as: str,
    answer: tuple[Callable[[asyncpg.Connection, Actor, int, Any], Awaitable[Any]], type],
) -> FormPage:
    """The page of a record one authority sends another (a concern, an information request):
    each reads it there, and the one it is sent to answers it on it while it is open.

    - answerer(record): the code of the authority that answers it, None once answered
    - key: its words in the content catalogue: `title` when reading it, `answering` when
      answering it (with its `intro`), `sent` the banner after it is sent
    - facts: the rows shown after the driver's facts; backs: when answering, then when
      reading (a back of None is the driver's record); sent: the `done` query value after
      sending
    - answer: the registry's function that answers it and the struct it takes, whose
      declared fields the page asks
    - each showing of it is audited, as `audit_as:id` (it holds narrative), the one sent back
      with errors included
    """
    respond, into = answer
    titles = content.take(key, "answering", "title")
    (banner,) = content.take(key, "sent")

    async def words(request: Request, conn: asyncpg.Connection, record: Any) -> dict[str, Any]:
        await audit_view(conn, actor_of(request), f"{audit_as}:{record.id}", record.driver_id)
        names = await names_by_code(conn)
        driver = await driver_or_404(conn, record.driver_id)
        code = answerer(record)
        answering = code is not None and names[code] == await name_of(
            conn, request.user.authority_id
        )
        back = backs[0 if answering else 1] or with_visit(f"/drivers/{record.driver_id}", request)
        said = {
            "title": titles[0 if answering else 1],
            "facts": driver_facts(driver) | await facts(conn, record, names),
            "back_href": back,
            "banner": banner if request.query_params.get("done") == sent else None,
        }
        return said if answering else {**said, "view_only": True}

    return record_form(
        path,
        get,
        key=key,
        words=words,
        save=saves(respond, into, attrgetter("id")),
        done=lambda request, record, _: request.url.path,
    )
