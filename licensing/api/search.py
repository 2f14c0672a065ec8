"""Searching the register and opening a driver's record (officers only, always audited).

The search path is kept lean because officers run it before every grant and renewal: the
sign-in look-up, one statement that searches and writes the audit rows, and one that reads
the summaries of the drivers found.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from licensing.api.common import Conn
from licensing.auth import current, officer
from licensing.limits import count_use
from licensing.problems import FieldError, InvalidFields, Problem
from registry import audit_log, drivers, duplicates, fields, records, search
from registry.audit_log import Enquirer
from registry.identifiers import IdentifierError
from registry.records import DriverRecord, DriverSummary
from registry.today import london_today


class DriverRecordView(DriverRecord, frozen=True):
    """The record with the others an officer decided are the same person (linked_records),
    each with its licences and register entries, as the record's page lists them."""

    linked_records: list[duplicates.LinkedRecord] = msgspec.field(default_factory=list)


UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


class SearchRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Either `identifier`, or `forenames`, `surname` and `date_of_birth`; purpose and
    case_reference always. Every field is optional here so that each missing one is named
    in the 422 answer, not just the first."""

    purpose: str | None = None
    case_reference: str | None = None
    identifier: str | None = None
    forenames: str | None = None
    surname: str | None = None
    date_of_birth: str | None = None
    limit: int | None = None


class MatchView(msgspec.Struct, frozen=True):
    score: int
    band: str
    reasons: list[str]


class SearchResult(msgspec.Struct, frozen=True):
    match: MatchView
    driver: DriverSummary


class SearchResponse(msgspec.Struct, frozen=True):
    search_id: uuid.UUID
    kind: str
    results: list[SearchResult]


def purpose_errors(purpose: str | None, case_reference: str | None) -> list[FieldError]:
    return [FieldError(f, m) for f, m in audit_log.purpose_errors(purpose, case_reference)]


def parse_date_of_birth(raw: str | None, today: date | None = None) -> date:
    """YYYY-MM-DD or DD/MM/YYYY; raises ValueError with a message for the officer."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter the date of birth")
    try:
        if match := UK_DATE.match(text):
            day, month, year = (int(g) for g in match.groups())
            born = date(year, month, day)
        else:
            born = date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter a real date of birth, like 1980-05-17 or 17/05/1980") from None
    if born >= (today or london_today()):
        raise ValueError("The date of birth must be in the past")
    if born.year < 1900:
        raise ValueError("The date of birth must be after 1900")
    return born


def name_error(field: str, value: str | None, label: str) -> FieldError | None:
    message = fields.name_error(value, label)
    return FieldError(field, message) if message else None


@post(
    "/api/v1/searches",
    guards=[officer],
    status_code=200,
    tags=["search"],
    summary="Search the register by identifier, or by name and date of birth",
)
async def create_search(
    request: Request[Any, Any, Any], conn: Conn, data: JSONBody[SearchRequest]
) -> SearchResponse:
    """Ranked matches, each with a score, a band (exact, strong, possible) and the reasons in
    words, with the driver's licences at every authority and register entries. The search,
    its purpose and case reference, and every driver returned are written to the audit log."""
    errors = purpose_errors(data.purpose, data.case_reference)
    by_name = (
        data.forenames is not None or data.surname is not None or data.date_of_birth is not None
    )
    limit = search.DEFAULT_LIMIT if data.limit is None else data.limit
    if not 1 <= limit <= search.MAX_LIMIT:
        errors.append(FieldError("limit", f"The limit must be between 1 and {search.MAX_LIMIT}"))
    if data.identifier is not None and by_name:
        errors.append(
            FieldError(
                "identifier",
                "Search by an identifier, or by name and date of birth, not both at once",
            )
        )
        raise InvalidFields(errors)
    if data.identifier is None and not by_name:
        errors.append(
            FieldError(
                "identifier",
                "Enter a licence number or National Insurance number, "
                "or the forenames, surname and date of birth",
            )
        )
        raise InvalidFields(errors)
    principal = current(request)
    enquirer = Enquirer(
        principal.user_id,
        principal.authority_id,
        data.purpose or "",
        (data.case_reference or "").strip(),
    )
    if data.identifier is not None:
        if errors:
            raise InvalidFields(errors)
        await count_use(request, conn, "search")
        try:
            outcome = await search.search_by_identifier(
                conn, data.identifier, enquirer=enquirer, limit=limit
            )
        except IdentifierError as exc:
            raise InvalidFields([FieldError(exc.field, exc.message)]) from None
    else:
        for field, label in (("forenames", "forenames"), ("surname", "surname")):
            if problem := name_error(field, getattr(data, field), label):
                errors.append(problem)
        try:
            born = parse_date_of_birth(data.date_of_birth)
        except ValueError as exc:
            errors.append(FieldError("date_of_birth", str(exc)))
        if errors:
            raise InvalidFields(errors)
        await count_use(request, conn, "search")
        outcome = await search.search_by_name(
            conn,
            (data.forenames or "").strip(),  # both checked above
            (data.surname or "").strip(),
            born,
            enquirer=enquirer,
            limit=limit,
        )
    return SearchResponse(
        outcome.search_id,
        outcome.subject,
        [
            SearchResult(MatchView(m.score, m.band, m.reasons), m.driver)
            for m in outcome.matches
            if m.driver is not None  # read with every match, in the search's statement
        ],
    )


@get(
    "/api/v1/drivers/{driver_id:uuid}",
    guards=[officer],
    tags=["search"],
    summary="A driver's full record, as your authority may see it",
)
async def get_driver(
    request: Request[Any, Any, Any],
    conn: Conn,
    driver_id: FromPath[uuid.UUID],
    purpose: FromQuery[str | None] = None,
    case_reference: FromQuery[str | None] = None,
) -> DriverRecordView:
    """Identity, every name, licences at every authority, register entries (the narrative only
    for the recording authority or after it granted your information request), concerns
    your authority reported or received, and the records linked to it as the same person. Opening a record is written to the audit log with
    its purpose and case reference, both required."""
    errors = purpose_errors(purpose, case_reference)
    if errors:
        raise InvalidFields(errors)
    principal = current(request)
    enquirer = Enquirer(
        principal.user_id, principal.authority_id, purpose or "", (case_reference or "").strip()
    )
    await count_use(request, conn, "record_open")
    key = await drivers.driver_key(conn, driver_id)
    if key is None:
        raise Problem(404, "Driver not found")
    record = await records.driver_record(conn, key, enquirer)
    if record is None:
        raise Problem(404, "Driver not found")
    linked = await duplicates.linked_records(conn, [record.driver_id])
    return DriverRecordView(
        **msgspec.structs.asdict(record), linked_records=linked.get(record.driver_id, [])
    )


ROUTES = [create_search, get_driver]
