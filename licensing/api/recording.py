"""Recording through the API: drivers, licences, register decisions, s.5 concerns and s.3
information requests, and the bulk import.

Every write goes through idempotency.perform(): one transaction, the actor named for the
event triggers, an audit row, and a POST that is safe to retry with an Idempotency-Key.
An authority writes only its own records; another authority's licence, entry, concern or
request answers 404 exactly as one that does not exist.
"""

from __future__ import annotations

import io
import uuid
from datetime import date
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Request, Response, get, patch, post
from litestar.datastructures import State, UploadFile
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import (
    FromPath,
    FromQuery,
    JSONBody,
    MultipartBody,
    QueryParameter,
)
from litestar.response import Stream

from licensing import db
from licensing.api.common import (
    Conn,
    Id,
    Key,
    Options,
    audited_page,
    audited_record,
    driver_key,
    listed,
    own,
)
from licensing.api.paging import DEFAULT_LIMIT, Cursor, Limit, Page, envelope
from licensing.auth import actor_of, officer
from licensing.downloads import NO_STORE, csv_stream
from licensing.idempotency import Outcome, change, create, perform
from licensing.problems import FieldError, InvalidFields, Problem, href, problem_spec
from registry import (
    concerns,
    drivers,
    entries,
    import_rejections,
    importer,
    licences,
    requests,
)
from registry.actor import Actor, acting
from registry.authorities import by_id

LicenceStatus = Annotated[
    Literal["current", "suspended", "revoked", "surrendered", "expired"] | None,
    QueryParameter(description="Only licences with this status"),
]
LicenceKind = Annotated[
    Literal["hackney_carriage", "private_hire", "dual"] | None,
    QueryParameter(description="Only licences of this kind"),
]
ExpiringBefore = Annotated[
    date | None, QueryParameter(description="Only licences that expire before this day")
]
DueBefore = Annotated[date | None, QueryParameter(description="Only those due before this day")]
Box = Annotated[
    Literal["received", "sent"],
    QueryParameter(description="received: sent to your authority; sent: by your authority"),
]
IMPORT_MAX_BYTES = 256 * 1024 * 1024


# licensing.problems.document_errors adds the usual problem answers; these say more.
WRITE_RESPONSES = {
    422: problem_spec(
        "Fields are missing or wrong: every one is named in errors; nothing was written"
    ),
}
CREATE_RESPONSES = {
    **WRITE_RESPONSES,
    409: problem_spec("Already on the register; existing.href links to it"),
}
CHANGE_RESPONSES = {
    **CREATE_RESPONSES,
    404: problem_spec("No such record that your authority can see"),
}

COMMON: Options = {"guards": [officer], "tags": ["recording"]}


# --- drivers ----------------------------------------------------------------------------------


@post(
    "/api/v1/drivers",
    **COMMON,
    responses=CREATE_RESPONSES,
    summary="Record a driver",
    status_code=201,
)
async def record_driver(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[drivers.DriverDetails],
    idempotency_key: Key = None,
) -> Response[drivers.DriverRecorded]:
    """Record a driver (any officer may). A GB/NI licence or NI number already on the
    register answers 409 with the existing record; likely duplicates are listed, not refused."""

    return await create(
        request, conn, "driver", lambda actor: drivers.create_driver(conn, actor, data)
    )


# The filters are the handlers' own parameters, not a shared dependency: litestar checks a
# dependency's parameters first and stops there, and one 422 must name every wrong one.
@get("/api/v1/drivers", **COMMON, summary="Drivers your authority licenses, with their licences")
async def list_drivers(
    request: Request[Any, Any, Any],
    conn: Conn,
    status: LicenceStatus = None,
    kind: LicenceKind = None,
    expiring_before: ExpiringBefore = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[licences.LicensedDriver]:
    """Each driver holding a licence from your authority that the filters choose, with those
    licences (soonest to expire first); drivers in the order they were recorded."""
    where = licences.LicenceFilter(status, kind, expiring_before)
    return await audited_page(
        request,
        conn,
        "drivers:licensed",
        lambda actor: licences.licensed_drivers(conn, actor, where, after=cursor, limit=limit),
    )


@patch(
    "/api/v1/drivers/{driver_id:uuid}",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Amend a driver's details",
)
async def amend_driver(
    request: Request[Any, Any, Any],
    conn: Conn,
    driver_id: FromPath[uuid.UUID],
    data: JSONBody[drivers.DriverChanges],
    idempotency_key: Key = None,
) -> Response[drivers.DriverAmended]:
    """Change fields of the shared driver record; a renamed driver keeps the old name as a
    former name, and a new home authority raises a driver_moved event."""

    async def amend(actor: Actor) -> drivers.DriverAmended:
        return await drivers.amend_driver(conn, actor, await driver_key(conn, driver_id), data)

    return await change(request, conn, amend)


@post(
    "/api/v1/drivers/{driver_id:uuid}/names",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Add an alias or former name",
    status_code=201,
)
async def add_driver_name(
    request: Request[Any, Any, Any],
    conn: Conn,
    driver_id: FromPath[uuid.UUID],
    data: JSONBody[drivers.NameDetails],
    idempotency_key: Key = None,
) -> Response[drivers.NameAdded]:
    async def add(actor: Actor) -> drivers.NameAdded:
        return await drivers.add_name(conn, actor, await driver_key(conn, driver_id), data)

    return await change(request, conn, add, 201, href("driver", driver_id))


# --- licences ---------------------------------------------------------------------------------


@post(
    "/api/v1/licences",
    **COMMON,
    responses=CREATE_RESPONSES,
    summary="Grant a licence",
    status_code=201,
)
async def grant_licence(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[licences.LicenceDetails],
    idempotency_key: Key = None,
) -> Response[licences.Licence]:
    """Grant a driver licence from your authority (at most 3 years; 3 years by default)."""

    return await create(request, conn, "licence", lambda actor: licences.grant(conn, actor, data))


@get("/api/v1/licences", **COMMON, summary="Your authority's licences")
async def list_licences(
    request: Request[Any, Any, Any],
    conn: Conn,
    status: LicenceStatus = None,
    kind: LicenceKind = None,
    expiring_before: ExpiringBefore = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[licences.Licence]:
    """The soonest to expire first."""
    where = licences.LicenceFilter(status, kind, expiring_before)
    items, after = await listed(
        licences.list_licences(conn, actor_of(request), where, after=cursor, limit=limit)
    )
    return envelope(request, items, after)


@get(
    "/api/v1/licences/{licence_id:int}",
    **COMMON,
    responses={404: problem_spec("No such licence at your authority")},
    summary="One of your authority's licences",
)
async def show_licence(
    request: Request[Any, Any, Any], conn: Conn, licence_id: Id
) -> licences.Licence:
    return await own(licences.get_licence(conn, actor_of(request), licence_id))


@post(
    "/api/v1/licences/{licence_id:int}/changes",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Renew, suspend, reinstate, revoke, surrender or expire a licence",
    status_code=201,
)
async def change_licence(
    request: Request[Any, Any, Any],
    conn: Conn,
    licence_id: Id,
    data: JSONBody[licences.LicenceChange],
    idempotency_key: Key = None,
) -> Response[licences.Licence]:
    """action: renewed | suspended | reinstated | revoked | surrendered | expired. A change the
    licence's status does not allow (reinstating a revoked licence) answers 409."""

    return await change(
        request,
        conn,
        lambda actor: licences.change(conn, actor, licence_id, data),
        201,
        href("licence", licence_id),
    )


# --- register entries -------------------------------------------------------------------------


@post(
    "/api/v1/register-entries",
    **COMMON,
    responses=CREATE_RESPONSES,
    summary="Enter a decision on the register (s.2)",
    status_code=201,
)
async def record_decision(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[entries.EntryDetails],
    idempotency_key: Key = None,
) -> Response[entries.Entry]:
    """A refusal, refused renewal, suspension or revocation relying on relevant information,
    with its s.1 categories. Suspending or revoking one of your live licences changes it too."""

    return await create(
        request, conn, "register_entry", lambda actor: entries.record_decision(conn, actor, data)
    )


@get("/api/v1/register-entries", **COMMON, summary="Your authority's register entries")
async def list_entries(
    request: Request[Any, Any, Any],
    conn: Conn,
    status: Annotated[
        Literal["in_force", "appeal_allowed", "reinstated", "later_granted", "withdrawn"] | None,
        QueryParameter(description="Only entries with this status"),
    ] = None,
    decision: Annotated[
        Literal["refused", "refused_renewal", "suspended", "revoked"] | None,
        QueryParameter(description="Only entries of this decision"),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[entries.Entry]:
    """The latest decision first, narratives included (they are your authority's own)."""
    return await audited_page(
        request,
        conn,
        "register_entries",
        lambda actor: entries.list_entries(
            conn, actor, status=status, decision=decision, after=cursor, limit=limit
        ),
    )


@get(
    "/api/v1/register-entries/{entry_id:int}",
    **COMMON,
    responses={404: problem_spec("No such entry recorded by your authority")},
    summary="An entry your authority recorded",
)
async def show_entry(request: Request[Any, Any, Any], conn: Conn, entry_id: Id) -> entries.Entry:
    return await audited_record(
        request,
        conn,
        f"register_entry:{entry_id}",
        lambda actor: entries.get_entry(conn, actor, entry_id),
    )


@post(
    "/api/v1/register-entries/{entry_id:int}/changes",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Record a later change to an entry",
    status_code=201,
)
async def change_entry(
    request: Request[Any, Any, Any],
    conn: Conn,
    entry_id: Id,
    data: JSONBody[entries.EntryChange],
    idempotency_key: Key = None,
) -> Response[entries.Entry]:
    """An appeal allowed, a reinstatement, a later grant or a withdrawal, with reasons."""

    return await change(
        request,
        conn,
        lambda actor: entries.change_entry(conn, actor, entry_id, data),
        201,
        href("register_entry", entry_id),
    )


# --- concerns (s.5, s.6) ----------------------------------------------------------------------


@post(
    "/api/v1/concerns",
    **COMMON,
    responses=CREATE_RESPONSES,
    summary="Report a concern to the driver's licensing authority (s.5)",
    status_code=201,
)
async def report_concern(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[concerns.ConcernDetails],
    idempotency_key: Key = None,
) -> Response[concerns.Concern]:
    """Due within 10 working days of becoming aware (report_due_on); a later report is
    recorded and marked reported_late."""

    return await create(request, conn, "concern", lambda actor: concerns.report(conn, actor, data))


@post(
    "/api/v1/concerns/{concern_id:int}/reply",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Tell the reporting authority what you decided (s.6)",
    status_code=200,
)
async def reply_to_concern(
    request: Request[Any, Any, Any],
    conn: Conn,
    concern_id: Id,
    data: JSONBody[concerns.ConcernReply],
    idempotency_key: Key = None,
) -> Response[concerns.Concern]:
    return await change(request, conn, lambda actor: concerns.reply(conn, actor, concern_id, data))


@get("/api/v1/concerns", **COMMON, summary="Concerns your authority received or sent")
async def list_concerns(
    request: Request[Any, Any, Any],
    conn: Conn,
    box: Box = "received",
    answer_state: Annotated[
        Literal["open", "answered"] | None,
        QueryParameter(
            name="state", description="open: not yet answered (s.6); answered: replied to"
        ),
    ] = None,
    due_before: DueBefore = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[concerns.Concern]:
    """Unanswered first, the earliest report_due_on at the top."""
    return await audited_page(
        request,
        conn,
        f"concerns:{box}",
        lambda actor: concerns.list_concerns(
            conn, actor, box, state=answer_state, due_before=due_before, after=cursor, limit=limit
        ),
    )


@get(
    "/api/v1/concerns/{concern_id:int}",
    **COMMON,
    responses={404: problem_spec("No such concern sent or received by your authority")},
    summary="A concern your authority sent or received",
)
async def show_concern(
    request: Request[Any, Any, Any], conn: Conn, concern_id: Id
) -> concerns.Concern:
    return await audited_record(
        request,
        conn,
        f"concern:{concern_id}",
        lambda actor: concerns.get_concern(conn, actor, concern_id),
    )


# --- information requests (s.3) ---------------------------------------------------------------


@post(
    "/api/v1/information-requests",
    **COMMON,
    responses=CREATE_RESPONSES,
    summary="Ask for the information behind another authority's entry (s.3)",
    status_code=201,
)
async def make_request(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: JSONBody[requests.RequestDetails],
    idempotency_key: Key = None,
) -> Response[requests.InformationRequest]:
    """The recording authority must answer within 20 working days (due_on)."""

    return await create(
        request,
        conn,
        "information_request",
        lambda actor: requests.make_request(conn, actor, data),
    )


@post(
    "/api/v1/information-requests/{request_id:int}/response",
    **COMMON,
    responses=CHANGE_RESPONSES,
    summary="Answer an information request",
    status_code=200,
)
async def respond_to_request(
    request: Request[Any, Any, Any],
    conn: Conn,
    request_id: Id,
    data: JSONBody[requests.RequestResponse],
    idempotency_key: Key = None,
) -> Response[requests.InformationRequest]:
    return await change(
        request, conn, lambda actor: requests.respond(conn, actor, request_id, data)
    )


@get(
    "/api/v1/information-requests",
    **COMMON,
    summary="Information requests your authority received or sent, with their clocks",
)
async def list_requests(
    request: Request[Any, Any, Any],
    conn: Conn,
    box: Box = "received",
    status: Annotated[
        Literal["open", "granted", "refused", "withdrawn"] | None,
        QueryParameter(description="Only requests in this state"),
    ] = None,
    due_before: DueBefore = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> Page[requests.InformationRequest]:
    """Open requests first, the earliest due_on (most overdue) at the top; working_days_left
    counts working days to due_on (negative once overdue)."""
    return await audited_page(
        request,
        conn,
        f"information_requests:{box}",
        lambda actor: requests.list_requests(
            conn, actor, box, status=status, due_before=due_before, after=cursor, limit=limit
        ),
    )


@get(
    "/api/v1/information-requests/{request_id:int}",
    **COMMON,
    responses={404: problem_spec("No such request sent or received by your authority")},
    summary="An information request your authority sent or received",
)
async def show_request(
    request: Request[Any, Any, Any], conn: Conn, request_id: Id
) -> requests.InformationRequest:
    return await audited_record(
        request,
        conn,
        f"information_request:{request_id}",
        lambda actor: requests.get_request(conn, actor, request_id),
    )


# --- bulk import ------------------------------------------------------------------------------

IMPORT_FILES = ("drivers", "licences", "decisions")


@post(
    "/api/v1/imports",
    **COMMON,
    # an import may run minutes: the long pool's connection and time limit
    dependencies={"conn": Provide(db.provide_long_conn)},
    request_max_body_size=IMPORT_MAX_BYTES,
    status_code=201,
    responses={
        **WRITE_RESPONSES,
        422: problem_spec("Rows were rejected; nothing was imported (see rejected)"),
    },
    summary="Import drivers, licences and decisions from CSV files",
)
async def import_files(
    request: Request[Any, Any, Any],
    conn: Conn,
    data: MultipartBody[dict[str, Any]],
    partial: FromQuery[bool] = False,
    idempotency_key: Key = None,
) -> Response[importer.ImportReport]:
    """multipart/form-data with the files `drivers` (required), `licences` and `decisions`,
    in the format of docs/import-format.md, for your own authority. All-or-nothing unless
    partial=true: then valid rows are imported and rejected rows reported."""
    texts = await _read_uploads(data)
    body = b"\0".join(texts.get(name, b"") for name in IMPORT_FILES)
    spool = import_rejections.Rejections()  # every problem; the answer carries the first

    def source(name: str) -> importer.Source:
        return importer.Source(f"{name}.csv", _lines(name, texts[name]))

    async def work(actor: Actor) -> Outcome:
        report = await importer.import_records(
            conn,
            actor,
            drivers=source("drivers"),  # _read_uploads refuses an import without it
            licences=source("licences") if "licences" in texts else None,
            decisions=source("decisions") if "decisions" in texts else None,
            partial=partial,
            authority_code=await _own_code(conn, actor),
            rejections=spool,
        )
        if not report.imported:
            raise _NotImported(report)
        if spool:  # a partial import: the whole list of the rows left out, to download
            report.rejected_list = await _keep(conn, actor, spool, report)
        return Outcome(report, 201)

    try:
        return await perform(request, conn, work, body=body)
    except _NotImported as failed:
        # nothing was imported (the transaction is gone): keep the whole list on its own
        report, actor = failed.report, actor_of(request)
        async with acting(conn, actor):
            report.rejected_list = await _keep(conn, actor, spool, report)
        raise Problem(
            422,
            "Import rejected",
            _rejected_detail(report),
            [FieldError(f"{p.file}:{p.line}:{p.field}", p.message) for p in report.rejected],
            extra={"report": _builtins(report)},
        ) from None


async def _own_code(conn: asyncpg.Connection, actor: Actor) -> str:
    found = await by_id(conn, actor.authority_id) if actor.authority_id else None
    assert found is not None  # an officer's authority exists (a foreign key)
    return found.code


class _NotImported(Exception):
    def __init__(self, report: importer.ImportReport) -> None:
        self.report = report


def _rows_rejected(report: importer.ImportReport) -> int:
    return report.drivers.rejected + report.licences.rejected + report.decisions.rejected


async def _keep(
    conn: asyncpg.Connection,
    actor: Actor,
    spool: import_rejections.Rejections,
    report: importer.ImportReport,
) -> str:
    list_id = await import_rejections.keep(
        conn, actor, spool, imported=report.imported, rows=_rows_rejected(report)
    )
    return f"/api/v1/imports/rejections/{list_id}"


@get(
    "/api/v1/imports/rejections/{list_id:uuid}",
    **COMMON,
    responses={
        200: ResponseSpec(
            data_container=str,
            media_type="text/csv",
            description="Every problem of the import, by file and line, as CSV",
        ),
        404: problem_spec("No such list of rejected rows from your authority"),
    },
    summary="The whole list of an import's rejected rows, as CSV",
)
async def import_rejected_rows(
    request: Request[Any, Any, Any], conn: Conn, state: State, list_id: FromPath[uuid.UUID]
) -> Stream:
    """Every problem the import found (file, line, column, reason; never a row's values),
    for the authority that imported. Streamed; the download is audited."""
    pieces = await own(import_rejections.csv_pieces(conn, state.pool, actor_of(request), list_id))
    return csv_stream(pieces, f"import-rejected-{list_id}.csv", headers=NO_STORE)


async def _read_uploads(data: dict[str, Any]) -> dict[str, bytes]:
    """The files by name; a form field holding the CSV text is read as that file."""
    unknown = [name for name in data if name not in IMPORT_FILES]
    errors = [
        FieldError(name, "Not an import file: send drivers, licences and decisions")
        for name in unknown
    ]
    errors += [
        FieldError(name, "Send each file once")
        for name, part in data.items()
        if name in IMPORT_FILES and not isinstance(part, UploadFile | str)
    ]
    if "drivers" not in data:
        errors.append(FieldError("drivers", "Attach the drivers file (CSV)"))
    if errors:
        raise InvalidFields(errors)
    return {
        name: part.encode() if isinstance(part, str) else await part.read()
        for name, part in data.items()
    }


def _lines(name: str, raw: bytes) -> io.StringIO:
    try:
        return io.StringIO(raw.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError:
        raise InvalidFields([FieldError(name, "The file must be CSV saved as UTF-8")]) from None


def _rejected_detail(report: importer.ImportReport) -> str:
    shown = (
        f" The first {len(report.rejected)} of {report.rejected_total} problems are listed; "
        f"the whole list is at {report.rejected_list} (CSV)."
        if report.rejected_total > len(report.rejected)
        else ""
    )
    return (
        f"{_rows_rejected(report)} row(s) were rejected, so nothing was imported. Correct them "
        "and send the files again, or import with partial=true to load the valid rows." + shown
    )


def _builtins(value: object) -> Any:
    return msgspec.to_builtins(value)


ROUTES = [
    list_drivers,
    record_driver,
    amend_driver,
    add_driver_name,
    list_licences,
    grant_licence,
    show_licence,
    change_licence,
    list_entries,
    record_decision,
    show_entry,
    change_entry,
    report_concern,
    reply_to_concern,
    list_concerns,
    show_concern,
    make_request,
    respond_to_request,
    list_requests,
    show_request,
    import_files,
    import_rejected_rows,
]
