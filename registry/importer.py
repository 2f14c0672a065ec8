"""Bulk import: a council joining the register brings years of drivers, licences and
register decisions as CSV files (the format is in docs/import-format.md).

How it works, and why:
1. Every row is read and validated in Python, with the same rules and messages as the API
   (a column that is a register field is read through that field's declaration,
   registry.fields.Spec); a rejected row is reported by file, line, field and reason, never
   by its values.
2. The valid rows are COPied into temporary staging tables, and everything else happens in
   set-based SQL: matching each driver against the register (GB licence number, National
   Insurance number, Northern Ireland licence number, then exact name keys and date of
   birth), so a driver already known through another authority is linked, not duplicated;
   checking licence numbers and live licences against the register; then inserting.
   100,000 rows take seconds, not the hours one INSERT per row would.
3. By default the import is all-or-nothing: if any row of any file is rejected, nothing is
   written. With partial=True the valid rows are imported and the rejected ones reported
   (with rows that depend on a rejected row, such as a licence of a rejected driver).

The caller owns the transaction (the CLI's, or the API's with its idempotency key) and
runs inside registry.actor.acting(). Events raised by the import carry
detail.source = 'import' (migration 0003), so alert rules can tell history from news.
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

import asyncpg
import msgspec

from registry import audit_log, identifiers
from registry.actor import Actor
from registry.drivers import UPDATABLE, DriverDetails, NameDetails
from registry.duplicates.screen import screen
from registry.entries import STATUSES as ENTRY_STATUSES
from registry.entries import EntryDetails
from registry.fields import Fields, Spec, specs
from registry.import_rejections import REPORT_LIMIT, ProblemCount, Rejections, RowProblem
from registry.licences import LicenceDetails, check_start_and_term
from registry.progress import QUIET, Progress
from registry.today import london_today

# A row for a staging table, in the order of its columns (copy_records_to_table takes any values).
StagedRow = tuple[object, ...]
# A former or other name a drivers row gives: (line, ref, kind, forenames, surname)
StagedName = tuple[int, str, str, str, str]
Key = TypeVar("Key", bound=Hashable)

LICENCE_STATUSES = ("current", "suspended", "revoked", "surrendered", "expired")
LIVE = ("current", "suspended")

DRIVER_COLUMNS = (
    "driver_ref",
    "forenames",
    "surname",
    "date_of_birth",
    "sex",
    "gb_licence_number",
    "ni_licence_number",
    "ni_number",
    "eu_licence_number",
    "eu_licence_country",
    "address",
    "postcode",
    "home_authority",
    "former_names",
    "other_names",
)
DRIVER_REQUIRED = ("driver_ref", "forenames", "surname", "date_of_birth")
LICENCE_COLUMNS = (
    "driver_ref",
    "licence_number",
    "kind",
    "status",
    "granted_on",
    "starts_on",
    "expires_on",
    "status_changed_on",
)
LICENCE_REQUIRED = ("driver_ref", "licence_number", "kind", "granted_on", "expires_on")
DECISION_COLUMNS = (
    "driver_ref",
    "licence_number",
    "decision",
    "licence_kind",
    "decided_on",
    "effective_on",
    "categories",
    "narrative",
    "status",
    "status_changed_on",
    "first_entered_on",
)
DECISION_REQUIRED = ("driver_ref", "decision", "decided_on", "categories")

# The columns that are the register's own fields are read through the registry's declarations
# of them (registry.fields.Spec), so a file is held to the same lengths, codes and date rules,
# in the same words, as the API and the pages; the column is the field. The file's own columns
# (driver_ref, status, ...) are read by the code below.
DRIVER_FIELDS = specs(DriverDetails)
NAME_FIELDS = specs(NameDetails)  # a former or other name, as the API adds one
LICENCE_FIELDS: dict[str, Spec] = {
    **specs(LicenceDetails),
    # The API and the pages take a blank expiry as 3 years after the start, the longest term.
    # A file is copied from the council's own records, which hold each licence's real expiry:
    # a blank one is a gap in the export, and a guess would put a wrong date on the register
    # (docs/import-format.md).
    "expires_on": replace(specs(LicenceDetails)["expires_on"], required=True),
}
DECISION_FIELDS: dict[str, Spec] = {
    # the licence decided on, when the row names one
    "licence_number": replace(specs(LicenceDetails)["licence_number"], required=False),
    **specs(EntryDetails),
}


class FileCounts(msgspec.Struct):
    rows: int = 0
    accepted: int = 0
    rejected: int = 0


class ImportReport(msgspec.Struct):
    authority: str
    mode: str  # all_or_nothing | partial
    imported: bool
    drivers: FileCounts
    licences: FileCounts
    decisions: FileCounts
    drivers_created: int = 0
    drivers_linked: int = 0
    names_added: int = 0
    possible_duplicates: int = 0  # pairs raised for an officer: a new driver and another record
    licences_created: int = 0
    decisions_created: int = 0
    rejected: list[RowProblem] = []  # the first REPORT_LIMIT problems, by file and line
    rejected_total: int = 0  # problems in all (a row may have several)
    rejected_counts: list[ProblemCount] = []  # per file, column and reason
    rejected_list: str | None = None  # where the whole list downloads as CSV, when kept
    warnings: list[RowProblem] = []  # the first REPORT_LIMIT
    warnings_total: int = 0


class Source(msgspec.Struct):
    """One CSV file: its name for the report, and its text (an open file, or lines)."""

    name: str
    lines: Iterable[str]
    line_count: int | None = None  # lines in the file, when known (for progress)


# --- reading the files ------------------------------------------------------------------------


PROGRESS_EVERY = 1000  # rows read between two steps of a progress bar


class _File:
    """Rows of one CSV file, with the line each row starts on, and its problems."""

    def __init__(
        self,
        kind: str,
        source: Source | None,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        rejections: Rejections,
    ) -> None:
        self.kind = kind
        self.name = source.name if source else f"{kind}.csv"
        self.source = source
        self.columns = columns
        self.required = required
        self.counts = FileCounts()
        self.rejections = rejections  # shared by the files of one import
        self.rejected = 0  # problems found in this file
        self.warnings: list[RowProblem] = []
        self.warnings_total = 0
        self.rejected_lines: set[int] = set()
        self.header_broken = False
        self.progress: Progress = QUIET

    def read(self, progress: Progress) -> _File:
        """Say that this file is being read, with how many rows it has when known."""
        total = self.source.line_count - 1 if self.source and self.source.line_count else None
        progress.phase(f"Reading {self.name}", total, "rows")
        self.progress = progress
        return self

    def reject(self, line: int, field: str, message: str) -> None:
        self.rejections.add(self.name, line, field, message)
        self.rejected += 1
        self.rejected_lines.add(line)

    def warn(self, line: int, field: str, message: str) -> None:
        self.warnings_total += 1
        if len(self.warnings) < REPORT_LIMIT:
            self.warnings.append(RowProblem(self.name, line, field, message))

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self.source is None:
            return
        reader = csv.reader(iter(self.source.lines))
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            self.reject(1, "file", "The file is empty: the first line must name the columns")
            return
        if not self._header_ok(header):
            return
        start = reader.line_num + 1
        read = 0
        try:
            for values in reader:
                read += 1
                if read % PROGRESS_EVERY == 0:
                    self.progress.advance(PROGRESS_EVERY)
                line, start = start, reader.line_num + 1
                if not any(value.strip() for value in values):
                    continue  # blank lines, often at the end of a spreadsheet export
                self.counts.rows += 1
                if problem := _unreadable(values, header):
                    self.reject(line, *problem)
                    continue
                # some tools leave out empty trailing cells
                values += [""] * (len(header) - len(values))
                yield line, dict(zip(header, values, strict=True))
        except csv.Error:  # a cell longer than the csv module reads (131,072 characters)
            self.reject(start, "file", "This line cannot be read: a value is far too long")

    def _header_ok(self, header: list[str]) -> bool:
        ok = True
        for name in self.required:
            if name not in header:
                self.reject(1, name, "The file has no column with this name; it is required")
                ok = False
        for name in header:
            if name not in self.columns:
                self.reject(1, name or "file", "This column is not part of the import format")
                ok = False
        if len(set(header)) != len(header):
            self.reject(1, "file", "A column name appears twice")
            ok = False
        self.header_broken = not ok
        return ok


def _unreadable(values: list[str], header: list[str]) -> tuple[str, str] | None:
    """(column, message) when a row cannot be read as the header says, else None."""
    if len(values) > len(header):
        return (
            "file",
            f"The row has {len(values)} values but the header names {len(header)} columns",
        )
    for name, value in zip(header, values, strict=False):
        if "\x00" in value:  # PostgreSQL text cannot hold it
            return name, "Text must not contain NUL characters"
    return None


def _declared(f: Fields, declared: dict[str, Spec], row: dict[str, str]) -> dict[str, Any]:
    """Each column that is a declared field, read as the API reads that field."""
    return {name: spec.read(f, name, row.get(name)) for name, spec in declared.items()}


def _problems(file: _File, line: int, fields: Fields) -> bool:
    for field, message in fields.errors:
        file.reject(line, field, message)
    return bool(fields.errors)


def _first_seen(seen: dict[Key, int], key: Key | None, line: int) -> int | None:
    if key is None:
        return None
    earlier = seen.get(key)
    if earlier is None:
        seen[key] = line
    return earlier


NAME_COLUMNS = {"former_names": "former", "other_names": "alias"}


def _other_names(f: Fields, row: dict[str, str]) -> list[tuple[str, str, str]]:
    """(kind, forenames, surname) from former_names and other_names: each name written
    "Surname, Forenames", several separated by semicolons."""
    found = []
    for column, kind in NAME_COLUMNS.items():
        text = (row.get(column) or "").strip()
        if not text:
            continue
        for written in text.split(";"):
            if not written.strip():
                continue
            surname, comma, forenames = written.partition(",")
            surname, forenames = surname.strip(), forenames.strip()
            if not comma or not surname or not forenames:
                f.error(column, 'Write each name as "Surname, Forenames", separated by semicolons')
                break
            errors = len(f.errors)
            NAME_FIELDS["surname"].read(f, column, surname)
            NAME_FIELDS["forenames"].read(f, column, forenames)
            if len(f.errors) > errors:
                break
            found.append((kind, forenames, surname))
    return found


def _read_drivers(
    file: _File,
    authorities: dict[str, int],
    refs: dict[str, int | None],
    names: list[StagedName] | None = None,
) -> list[StagedRow]:
    records: list[StagedRow] = []
    seen: dict[str, dict[str, int]] = {
        "driver_ref": {},
        "gb_licence_number": {},
        "ni_number": {},
        "ni_licence_number": {},
    }
    for line, row in file.rows():
        f = Fields()
        ref = f.text(
            "driver_ref", row.get("driver_ref"), "driver reference", required=True, max_length=60
        )
        row["sex"] = (row.get("sex") or "").upper()  # as the API takes it
        got = _declared(f, DRIVER_FIELDS, row)
        forenames, surname, born, sex = (
            got["forenames"],
            got["surname"],
            got["date_of_birth"],
            got["sex"],
        )
        gb, ni_licence, ni_number = (
            got["gb_licence_number"],
            got["ni_licence_number"],
            got["ni_number"],
        )
        eu_number, eu_country = _eu_licence(f, row)
        address, postcode = got["address"] or "", got["postcode"]
        other_names = _other_names(f, row)
        home = None
        if (row.get("home_authority") or "").strip():
            home = authorities.get(row["home_authority"].strip().upper())
            if home is None:
                f.error("home_authority", "There is no authority with this code")
        for field, value in (
            ("driver_ref", ref),
            ("gb_licence_number", gb),
            ("ni_number", ni_number),
            ("ni_licence_number", ni_licence),
        ):
            earlier = _first_seen(seen[field], value, line)
            if earlier:
                f.error(
                    field,
                    f"Line {earlier} has the same {field.replace('_', ' ')}: "
                    "give each driver one row",
                )
        if _problems(file, line, f):
            if ref:
                refs.setdefault(ref, line)
            continue
        assert ref is not None  # required: _problems() was true without it
        refs[ref] = None
        if names is not None:
            names.extend((line, ref, kind, fore, sur) for kind, fore, sur in other_names)
        if gb:
            for message in identifiers.gb_licence_warnings(
                gb, surname=surname, date_of_birth=born, sex=sex, forenames=forenames
            ):
                file.warn(line, "gb_licence_number", message)
        records.append(
            (
                line,
                ref,
                forenames,
                surname,
                born,
                sex,
                gb,
                ni_licence,
                ni_number,
                eu_number,
                eu_country,
                address,
                postcode,
                home,
            )
        )
    return records


def _eu_licence(f: Fields, row: dict[str, str]) -> tuple[str | None, str | None]:
    number = (row.get("eu_licence_number") or "").strip()
    country = (row.get("eu_licence_country") or "").strip().upper()
    if not number and not country:
        return None, None
    try:
        normalised = identifiers.normalise_eu_licence(number, country)
    except identifiers.IdentifierError as exc:
        f.error(exc.field, exc.message)
        return None, None
    return normalised, "GR" if country == "EL" else country


def _reject_orphan(file: _File, f: Fields, ref: str | None, drivers: dict[str, int | None]) -> None:
    """A row must name a driver_ref from the drivers file whose row was accepted."""
    if not ref:
        return
    if ref not in drivers:
        f.error("driver_ref", "No row of the drivers file has this driver reference")
    elif drivers[ref] is not None:
        f.error(
            "driver_ref", f"The driver's row (line {drivers[ref]} of the drivers file) was rejected"
        )


def _read_licences(file: _File, drivers: dict[str, int | None], today: date) -> list[StagedRow]:
    records: list[StagedRow] = []
    numbers: dict[str, int] = {}
    live: dict[tuple[str, str], int] = {}
    for line, row in file.rows():
        f = Fields()
        ref = f.text(
            "driver_ref", row.get("driver_ref"), "driver reference", required=True, max_length=60
        )
        _reject_orphan(file, f, ref, drivers)
        got = _declared(f, LICENCE_FIELDS, row)
        number, kind, granted_on = got["licence_number"], got["kind"], got["granted_on"]
        starts_on, expires_on = got["starts_on"] or granted_on, got["expires_on"]
        status = f.choice(
            "status", row.get("status") or "current", "licence status", LICENCE_STATUSES
        )
        changed_on = f.date(
            "status_changed_on",
            row.get("status_changed_on"),
            "date of the status change",
            not_after=today,
        )
        _check_licence_dates(f, status, granted_on, starts_on, expires_on, changed_on, today)
        if (
            status in ("suspended", "revoked", "surrendered")
            and not changed_on
            and not f.has_error("status_changed_on")
        ):
            f.error("status_changed_on", f"Enter the date the licence was {status}")
        if status == "expired" and not changed_on:
            changed_on = expires_on
        earlier = _first_seen(numbers, number, line)
        if earlier:
            f.error("licence_number", f"Line {earlier} has the same licence number")
        if status in LIVE and ref and kind:
            earlier = _first_seen(live, (ref, kind), line)
            if earlier:
                f.error(
                    "status",
                    f"Line {earlier} is also a live licence of this kind for this "
                    "driver: a driver holds one live licence of a kind",
                )
        if _problems(file, line, f):
            continue
        records.append(
            (line, ref, number, kind, status, granted_on, starts_on, expires_on, changed_on)
        )
    return records


def _check_licence_dates(
    f: Fields,
    status: str | None,
    granted_on: date | None,
    starts_on: date | None,
    expires_on: date | None,
    changed_on: date | None,
    today: date,
) -> None:
    check_start_and_term(f, granted_on, starts_on, expires_on)
    if status == "current" and expires_on and expires_on < today and not f.has_error("expires_on"):
        f.error(
            "status",
            "The licence expired before today, so it cannot be current: give its status as expired",
        )
    if changed_on and granted_on and changed_on < granted_on:
        f.error("status_changed_on", "The status cannot change before the licence was granted")


def _read_decisions(file: _File, drivers: dict[str, int | None], today: date) -> list[StagedRow]:
    records: list[StagedRow] = []
    for line, row in file.rows():
        f = Fields()
        ref = f.text(
            "driver_ref", row.get("driver_ref"), "driver reference", required=True, max_length=60
        )
        _reject_orphan(file, f, ref, drivers)
        got = _declared(f, DECISION_FIELDS, row)
        number, decision, kind = got["licence_number"], got["decision"], got["licence_kind"]
        if not kind and not number and not f.has_error("licence_kind"):
            f.error("licence_kind", "Give the kind of licence, or the licence number")
        decided_on = got["decided_on"]
        effective_on = got["effective_on"] or decided_on
        f.after(
            "effective_on",
            effective_on,
            decided_on,
            "The decision cannot take effect before it was made",
        )
        categories, narrative = got["categories"], got["narrative"] or ""
        status = f.choice("status", row.get("status") or "in_force", "entry status", ENTRY_STATUSES)
        changed_on = f.date(
            "status_changed_on",
            row.get("status_changed_on"),
            "date of the status change",
            not_after=today,
        )
        if (
            status
            and status != "in_force"
            and not changed_on
            and not f.has_error("status_changed_on")
        ):
            f.error("status_changed_on", "Enter the date the entry's status changed")
        if status == "in_force" and changed_on:
            f.error("status_changed_on", "An entry in force has no status change date")
        f.after(
            "status_changed_on",
            changed_on,
            decided_on,
            "The status cannot change before the decision",
        )
        entered_on = (
            f.date(
                "first_entered_on",
                row.get("first_entered_on"),
                "date first entered on a register",
                not_after=today,
            )
            or today
        )
        if _problems(file, line, f):
            continue
        records.append(
            (
                line,
                ref,
                number,
                decision,
                kind,
                decided_on,
                effective_on,
                categories,
                narrative,
                status,
                changed_on if status != "in_force" else None,
                entered_on,
            )
        )
    return records


# --- staging ----------------------------------------------------------------------------------

STAGING = """
CREATE TEMP TABLE import_driver (
    line integer PRIMARY KEY, ref text NOT NULL UNIQUE, forenames text NOT NULL,
    surname text NOT NULL, date_of_birth date NOT NULL, sex text, gb_licence_number text,
    ni_licence_number text, ni_number text, eu_licence_number text, eu_licence_country text,
    address text NOT NULL, postcode text, home_authority_id integer,
    driver_id bigint, is_new boolean NOT NULL DEFAULT false, matched_by text,
    reject_field text, reject_message text
) ON COMMIT DROP;
CREATE TEMP TABLE import_name (
    line integer NOT NULL, ref text NOT NULL, kind text NOT NULL, forenames text NOT NULL,
    surname text NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE import_licence (
    line integer PRIMARY KEY, ref text NOT NULL, licence_number text NOT NULL, kind text NOT NULL,
    status text NOT NULL, granted_on date NOT NULL, starts_on date NOT NULL,
    expires_on date NOT NULL, status_changed_on date,
    driver_id bigint, licence_id bigint, reject_field text, reject_message text
) ON COMMIT DROP;
CREATE TEMP TABLE import_decision (
    line integer PRIMARY KEY, ref text NOT NULL, licence_number text, decision text NOT NULL,
    licence_kind text, decided_on date NOT NULL, effective_on date NOT NULL,
    categories text[] NOT NULL, narrative text NOT NULL, status text NOT NULL,
    status_changed_on date, first_entered_on date NOT NULL,
    driver_id bigint, licence_line integer, licence_id bigint, entry_id bigint,
    reject_field text, reject_message text
) ON COMMIT DROP;
"""

STAGED_DRIVER = ("line", "ref", *UPDATABLE)  # the driver's own columns, as amend_driver's
STAGED_LICENCE = (
    "line",
    "ref",
    "licence_number",
    "kind",
    "status",
    "granted_on",
    "starts_on",
    "expires_on",
    "status_changed_on",
)
STAGED_DECISION = (
    "line",
    "ref",
    "licence_number",
    "decision",
    "licence_kind",
    "decided_on",
    "effective_on",
    "categories",
    "narrative",
    "status",
    "status_changed_on",
    "first_entered_on",
)

AUTHORITY_CODES = """
SELECT code, id FROM authority
UNION ALL
SELECT code, authority_id FROM authority_former_code
"""

# --- matching and checking against the register (set-based) ---------------------------------

MATCH_BY_IDENTIFIER = """
WITH hits AS (
    SELECT s.line, d.id FROM import_driver s JOIN driver d ON d.gb_licence_number = s.gb_licence_number
    UNION
    SELECT s.line, d.id FROM import_driver s JOIN driver d ON d.ni_number = s.ni_number
    UNION
    SELECT s.line, d.id FROM import_driver s JOIN driver d ON d.ni_licence_number = s.ni_licence_number
), per_line AS (
    SELECT line, min(id) AS id, count(*) AS drivers FROM hits GROUP BY line
)
UPDATE import_driver s
SET driver_id = CASE WHEN p.drivers = 1 THEN p.id END,
    matched_by = CASE WHEN p.drivers = 1 THEN 'identifier' END,
    reject_field = CASE WHEN p.drivers > 1 THEN 'gb_licence_number' END,
    reject_message = CASE WHEN p.drivers > 1 THEN
        'The driving licence and National Insurance numbers belong to different drivers on the register' END
FROM per_line p
WHERE p.line = s.line
"""

# An identifier links a row to the driver who holds it only when the dates of birth agree
# (with the record or a name it is known by). One that disagrees is a keying slip or someone
# else's number; linked, the file's name and date would become a name the driver is found
# under, so a search for another person could find this driver. An officer must look.
IDENTIFIER_OTHER_BIRTH_DATE = """
UPDATE import_driver s
SET driver_id = NULL, matched_by = NULL, reject_field = 'date_of_birth',
    reject_message = 'The driving licence or National Insurance number is held on the register'
        || ' by a driver with another date of birth: check both'
WHERE s.matched_by = 'identifier' AND s.reject_message IS NULL
  AND NOT EXISTS (SELECT FROM driver_name n
                  WHERE n.driver_id = s.driver_id AND n.date_of_birth = s.date_of_birth)
"""

# A name and date of birth alone never link: the row is recorded as a new driver, and the
# duplicates engine raises the pair for an officer (registry/duplicates/screen.py). This marks
# the rows whose exact name keys and date of birth are already on the register, for a warning.
MATCH_BY_NAME = """
UPDATE import_driver s
SET matched_by = 'name_and_date_of_birth'
WHERE s.driver_id IS NULL AND s.reject_message IS NULL
  AND EXISTS (SELECT FROM driver_name n
              WHERE n.date_of_birth = s.date_of_birth
                AND n.surname_key = name_key(s.surname)
                AND n.forename_key = coalesce((forename_tokens(s.forenames))[1], ''))
"""

TWO_ROWS_ONE_DRIVER = """
UPDATE import_driver s
SET reject_field = 'driver_ref',
    reject_message = 'Line ' || x.first || ' matches the same driver on the register: give each driver one row'
FROM (SELECT line, min(line) OVER (PARTITION BY driver_id) AS first
      FROM import_driver WHERE driver_id IS NOT NULL AND reject_message IS NULL) x
WHERE x.line = s.line AND x.line <> x.first
"""

# A licence's or a decision's driver, by the row's ref; a rejected driver rejects it too.
ROW_DRIVERS_TEMPLATE = """
UPDATE {table} x
SET driver_id = d.driver_id,
    reject_field = CASE WHEN d.reject_message IS NOT NULL THEN 'driver_ref' END,
    reject_message = CASE WHEN d.reject_message IS NOT NULL THEN
        'The driver''s row (line ' || d.line || ' of the drivers file) was rejected' END
FROM import_driver d
WHERE d.ref = x.ref
"""
LICENCE_DRIVERS = ROW_DRIVERS_TEMPLATE.format(table="import_licence")
DECISION_DRIVERS = ROW_DRIVERS_TEMPLATE.format(table="import_decision")

LICENCE_NUMBER_TAKEN = """
UPDATE import_licence l
SET reject_field = 'licence_number',
    reject_message = 'Your authority already has a licence with this number on the register'
FROM licence x
WHERE x.authority_id = $1 AND x.licence_number = l.licence_number AND l.reject_message IS NULL
"""

LIVE_LICENCE_HELD = """
UPDATE import_licence l
SET reject_field = 'status',
    reject_message = 'The driver already holds a live licence of this kind from your authority on the register'
FROM licence x
WHERE x.authority_id = $1 AND x.driver_id = l.driver_id AND x.kind = l.kind
  AND x.status IN ('current', 'suspended') AND l.status IN ('current', 'suspended')
  AND l.reject_message IS NULL
"""

# A decision's licence: one in the licences file for the same driver, else one of the
# authority's licences on the register held by the same driver.
DECISION_FILE_LICENCES = """
UPDATE import_decision e
SET licence_line = l.line,
    licence_kind = coalesce(e.licence_kind, l.kind),
    reject_field = CASE WHEN l.reject_message IS NOT NULL THEN 'licence_number' END,
    reject_message = CASE WHEN l.reject_message IS NOT NULL THEN
        'The licence''s row (line ' || l.line || ' of the licences file) was rejected' END
FROM import_licence l
WHERE l.licence_number = e.licence_number AND l.ref = e.ref AND e.reject_message IS NULL
"""

DECISION_REGISTER_LICENCES = """
UPDATE import_decision e
SET licence_id = x.id, licence_kind = coalesce(e.licence_kind, x.kind)
FROM licence x
WHERE e.licence_number IS NOT NULL AND e.licence_line IS NULL AND e.reject_message IS NULL
  AND x.authority_id = $1 AND x.licence_number = e.licence_number AND x.driver_id = e.driver_id
"""

DECISION_LICENCE_UNKNOWN = """
UPDATE import_decision
SET reject_field = 'licence_number',
    reject_message = 'No licence with this number for this driver, in the licences file or '
                     'at your authority on the register'
WHERE licence_number IS NOT NULL AND licence_line IS NULL AND licence_id IS NULL
  AND reject_message IS NULL
"""

REJECTED = """
SELECT 'drivers' AS kind, line, reject_field, reject_message FROM import_driver WHERE reject_message IS NOT NULL
UNION ALL
SELECT 'licences', line, reject_field, reject_message FROM import_licence WHERE reject_message IS NOT NULL
UNION ALL
SELECT 'decisions', line, reject_field, reject_message FROM import_decision WHERE reject_message IS NOT NULL
ORDER BY 1, 2
"""

SAME_NAME_AND_BIRTH = """
SELECT line FROM import_driver
WHERE matched_by = 'name_and_date_of_birth' AND reject_message IS NULL ORDER BY line
"""
NEW_DRIVERS = "SELECT driver_id FROM import_driver WHERE is_new ORDER BY line"

# --- writing ----------------------------------------------------------------------------------

MARK_IMPORT = "SELECT set_config('crosscheck.source', 'import', true)"

NEW_DRIVER_IDS = """
UPDATE import_driver
SET driver_id = nextval(pg_get_serial_sequence('driver', 'id')), is_new = true
WHERE driver_id IS NULL AND reject_message IS NULL
"""

# Licences and decisions of new drivers learn their driver's id once it is allocated.
NEW_DRIVERS_TO_ROWS = """
UPDATE import_licence l SET driver_id = d.driver_id
FROM import_driver d WHERE d.ref = l.ref AND d.is_new;
UPDATE import_decision e SET driver_id = d.driver_id
FROM import_driver d WHERE d.ref = e.ref AND d.is_new;
"""

INSERT_DRIVERS = """
INSERT INTO driver (id, forenames, surname, date_of_birth, sex, gb_licence_number,
                    ni_licence_number, ni_number, eu_licence_number, eu_licence_country, address,
                    postcode, home_authority_id, recorded_by_authority_id)
OVERRIDING SYSTEM VALUE
SELECT driver_id, forenames, surname, date_of_birth, sex, gb_licence_number, ni_licence_number,
       ni_number, eu_licence_number, eu_licence_country, address, postcode, home_authority_id, $1
FROM import_driver WHERE is_new ORDER BY line
"""

INSERT_CURRENT_NAMES = """
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
SELECT driver_id, 'current', forenames, surname, date_of_birth, $1
FROM import_driver WHERE is_new ORDER BY line
"""

# A linked driver gets what the register lacked (an identifier, a postcode), never a change
# to what another authority recorded.
FILL_BLANKS = """
UPDATE driver d
SET gb_licence_number = coalesce(d.gb_licence_number, s.gb_licence_number),
    ni_licence_number = coalesce(d.ni_licence_number, s.ni_licence_number),
    ni_number = coalesce(d.ni_number, s.ni_number),
    eu_licence_number = coalesce(d.eu_licence_number, s.eu_licence_number),
    eu_licence_country = CASE WHEN d.eu_licence_number IS NULL THEN s.eu_licence_country
                              ELSE d.eu_licence_country END,
    sex = coalesce(d.sex, s.sex),
    address = CASE WHEN d.address = '' THEN s.address ELSE d.address END,
    postcode = coalesce(d.postcode, s.postcode),
    home_authority_id = coalesce(d.home_authority_id, s.home_authority_id),
    updated_at = now()
FROM import_driver s
WHERE s.driver_id = d.id AND NOT s.is_new AND s.reject_message IS NULL
  AND ((d.gb_licence_number IS NULL AND s.gb_licence_number IS NOT NULL)
    OR (d.ni_licence_number IS NULL AND s.ni_licence_number IS NOT NULL)
    OR (d.ni_number IS NULL AND s.ni_number IS NOT NULL)
    OR (d.eu_licence_number IS NULL AND s.eu_licence_number IS NOT NULL)
    OR (d.sex IS NULL AND s.sex IS NOT NULL)
    OR (d.address = '' AND s.address <> '')
    OR (d.postcode IS NULL AND s.postcode IS NOT NULL)
    OR (d.home_authority_id IS NULL AND s.home_authority_id IS NOT NULL))
"""

# This authority's spelling of a linked driver's name, when the register knows them by another.
INSERT_ALIASES = """
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
SELECT s.driver_id, 'alias', s.forenames, s.surname, s.date_of_birth, $1
FROM import_driver s
WHERE NOT s.is_new AND s.reject_message IS NULL
  AND NOT EXISTS (
      SELECT FROM driver_name n
      WHERE n.driver_id = s.driver_id
        AND n.surname_key = name_key(s.surname)
        AND trim(n.forename_key || ' ' || n.middle_keys) = array_to_string(forename_tokens(s.forenames), ' ')
        AND n.date_of_birth = s.date_of_birth)
ON CONFLICT (driver_id, kind, forenames, surname) DO NOTHING
"""

# Former names and other names the file gives (former_names, other_names columns).
INSERT_OTHER_NAMES = """
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
SELECT d.driver_id, n.kind, n.forenames, n.surname, d.date_of_birth, $1
FROM import_name n JOIN import_driver d ON d.ref = n.ref
WHERE d.driver_id IS NOT NULL AND d.reject_message IS NULL
ORDER BY n.line
ON CONFLICT (driver_id, kind, forenames, surname) DO NOTHING
"""

NEW_LICENCE_IDS = """
UPDATE import_licence SET licence_id = nextval(pg_get_serial_sequence('licence', 'id'))
WHERE reject_message IS NULL
"""

INSERT_LICENCES = """
INSERT INTO licence (id, driver_id, authority_id, licence_number, kind, status, granted_on,
                     starts_on, expires_on)
OVERRIDING SYSTEM VALUE
SELECT licence_id, driver_id, $1, licence_number, kind, status, granted_on, starts_on, expires_on
FROM import_licence WHERE licence_id IS NOT NULL ORDER BY line
"""

# The licence's history: its grant, then how it ended or was suspended, if it did.
INSERT_LICENCE_CHANGES = """
INSERT INTO licence_change (licence_id, action, effective_on, recorded_by)
SELECT licence_id, action, effective_on, $1
FROM (
    SELECT line, 1 AS step, licence_id, 'granted' AS action, granted_on AS effective_on
    FROM import_licence WHERE licence_id IS NOT NULL
    UNION ALL
    SELECT line, 2, licence_id, status, status_changed_on
    FROM import_licence WHERE licence_id IS NOT NULL AND status <> 'current'
) history
ORDER BY line, step
"""

RESOLVE_DECISION_LICENCES = """
UPDATE import_decision e SET licence_id = l.licence_id
FROM import_licence l
WHERE l.line = e.licence_line AND e.reject_message IS NULL
"""

NEW_ENTRY_IDS = """
UPDATE import_decision SET entry_id = nextval(pg_get_serial_sequence('register_entry', 'id'))
WHERE reject_message IS NULL
"""

INSERT_ENTRIES = """
INSERT INTO register_entry (id, driver_id, authority_id, licence_id, decision, licence_kind,
                            decided_on, effective_on, categories, narrative, status,
                            status_changed_on, first_entered_on, recorded_by)
OVERRIDING SYSTEM VALUE
SELECT entry_id, driver_id, $1, licence_id, decision, licence_kind, decided_on, effective_on,
       categories, narrative, status, status_changed_on, first_entered_on, $2
FROM import_decision WHERE entry_id IS NOT NULL ORDER BY line
"""

INSERT_ENTRY_CHANGES = """
INSERT INTO register_entry_change (entry_id, status, changed_on, reason, recorded_by)
SELECT entry_id, status, status_changed_on, 'Recorded before the authority joined the register', $1
FROM import_decision WHERE entry_id IS NOT NULL AND status <> 'in_force' ORDER BY line
"""

COUNTS = """
SELECT (SELECT count(*) FROM import_driver WHERE is_new) AS drivers_created,
       (SELECT count(*) FROM import_driver WHERE NOT is_new AND driver_id IS NOT NULL
                                             AND reject_message IS NULL) AS drivers_linked,
       (SELECT count(*) FROM import_licence WHERE licence_id IS NOT NULL) AS licences_created,
       (SELECT count(*) FROM import_decision WHERE entry_id IS NOT NULL) AS decisions_created
"""


# --- the whole import -------------------------------------------------------------------------


async def import_records(
    conn: asyncpg.Connection,
    actor: Actor,
    *,
    drivers: Source,
    licences: Source | None = None,
    decisions: Source | None = None,
    partial: bool = False,
    authority_code: str = "",
    progress: Progress = QUIET,
    rejections: Rejections | None = None,
) -> ImportReport:
    """Validate, match and (unless rejected) load one authority's files. Runs inside the
    caller's transaction; writes nothing to the register when the report says not imported.
    The report carries the first REPORT_LIMIT problems and counts of all; `rejections`, when
    given, receives every one (import_rejections.keep stores them for download)."""
    today = london_today()  # the declared fields' date rules take today as it is, too
    authorities = dict(await conn.fetch(AUTHORITY_CODES))
    spool = Rejections() if rejections is None else rejections
    files = {
        "drivers": _File("drivers", drivers, DRIVER_COLUMNS, DRIVER_REQUIRED, spool),
        "licences": _File("licences", licences, LICENCE_COLUMNS, LICENCE_REQUIRED, spool),
        "decisions": _File("decisions", decisions, DECISION_COLUMNS, DECISION_REQUIRED, spool),
    }
    spool.files = [f.name for f in files.values()]
    report = ImportReport(
        authority=authority_code,
        mode="partial" if partial else "all_or_nothing",
        imported=False,
        drivers=files["drivers"].counts,
        licences=files["licences"].counts,
        decisions=files["decisions"].counts,
    )

    refs: dict[str, int | None] = {}  # driver_ref -> None if accepted, else its line
    names: list[StagedName] = []  # former and other names
    driver_rows = _read_drivers(files["drivers"].read(progress), authorities, refs, names)
    if files["drivers"].header_broken:
        return _finish(report, files)  # nothing to link the other files to
    licence_rows = _read_licences(files["licences"].read(progress), refs, today)
    decision_rows = _read_decisions(files["decisions"].read(progress), refs, today)
    if any(f.header_broken for f in files.values()):
        return _finish(report, files)

    progress.phase("Checking against the register", len(CHECKS) + 3)
    await conn.execute(STAGING)
    await conn.copy_records_to_table("import_driver", records=driver_rows, columns=STAGED_DRIVER)
    await conn.copy_records_to_table("import_name", records=names)
    await conn.copy_records_to_table("import_licence", records=licence_rows, columns=STAGED_LICENCE)
    await conn.copy_records_to_table(
        "import_decision", records=decision_rows, columns=STAGED_DECISION
    )
    progress.advance(3)
    await _check_against_register(conn, actor, progress)
    async with conn.transaction():  # a cursor: the rows come a batch at a time
        async for kind, line, field, message in conn.cursor(REJECTED, prefetch=5_000):
            files[kind].reject(line, field, message)
    for (line,) in await conn.fetch(SAME_NAME_AND_BIRTH):
        files["drivers"].warn(
            line,
            "surname",
            "A driver on the register has this name and date of birth: recorded as a new "
            "driver and raised as a possible duplicate for an officer to decide",
        )
    if any(f.rejected for f in files.values()) and not partial:
        return _finish(report, files)

    progress.phase("Writing to the register", len(WRITES) + 1)
    names_added = await _write(conn, actor, progress)
    new_drivers = [r["driver_id"] for r in await conn.fetch(NEW_DRIVERS)]
    report.possible_duplicates = len(await screen(conn, new_drivers, "import", progress))
    counts = await conn.fetchrow(COUNTS)
    report.drivers_created = counts["drivers_created"]
    report.drivers_linked = counts["drivers_linked"]
    report.licences_created = counts["licences_created"]
    report.decisions_created = counts["decisions_created"]
    report.names_added = names_added
    report.imported = True
    _finish(report, files)
    await audit_log.record(
        conn,
        action="import",
        user_id=actor.user_id,
        authority_id=actor.authority_id,
        subject="import",
        detail={
            "mode": report.mode,
            "drivers_created": report.drivers_created,
            "drivers_linked": report.drivers_linked,
            "possible_duplicates": report.possible_duplicates,
            "licences_created": report.licences_created,
            "decisions_created": report.decisions_created,
            "rows_rejected": sum(f.counts.rejected for f in files.values()),
        },
    )
    return report


# The checks, in order: each marks rows of the staged files as rejected or matched.
CHECKS = (
    MATCH_BY_IDENTIFIER,
    IDENTIFIER_OTHER_BIRTH_DATE,
    MATCH_BY_NAME,
    TWO_ROWS_ONE_DRIVER,
    LICENCE_DRIVERS,
    LICENCE_NUMBER_TAKEN,
    LIVE_LICENCE_HELD,
    DECISION_DRIVERS,
    DECISION_FILE_LICENCES,
    DECISION_REGISTER_LICENCES,
    DECISION_LICENCE_UNKNOWN,
)
# Those taking the importing authority as $1.
BY_AUTHORITY = (LICENCE_NUMBER_TAKEN, LIVE_LICENCE_HELD, DECISION_REGISTER_LICENCES)


async def _check_against_register(
    conn: asyncpg.Connection, actor: Actor, progress: Progress = QUIET
) -> None:
    await conn.execute("ANALYZE import_driver; ANALYZE import_licence; ANALYZE import_decision")
    progress.advance()
    for statement in CHECKS:
        if statement in BY_AUTHORITY:
            await conn.execute(statement, actor.authority_id)
        else:
            await conn.execute(statement)
        progress.advance()


# The writes, in order, with the argument each takes ("authority", "user" or none).
WRITES = (
    (MARK_IMPORT, ()),
    (NEW_DRIVER_IDS, ()),
    (NEW_DRIVERS_TO_ROWS, ()),
    (INSERT_DRIVERS, ("authority",)),
    (INSERT_CURRENT_NAMES, ("authority",)),
    (FILL_BLANKS, ()),
    (INSERT_ALIASES, ("authority",)),
    (INSERT_OTHER_NAMES, ("authority",)),
    (NEW_LICENCE_IDS, ()),
    (INSERT_LICENCES, ("authority",)),
    (INSERT_LICENCE_CHANGES, ("user",)),
    (RESOLVE_DECISION_LICENCES, ()),
    (NEW_ENTRY_IDS, ()),
    (INSERT_ENTRIES, ("authority", "user")),
    (INSERT_ENTRY_CHANGES, ("user",)),
)


async def _write(conn: asyncpg.Connection, actor: Actor, progress: Progress = QUIET) -> int:
    values = {"authority": actor.authority_id, "user": actor.user_id}
    names_added = 0
    for statement, arguments in WRITES:
        status = await conn.execute(statement, *(values[a] for a in arguments))
        if statement is INSERT_ALIASES or statement is INSERT_OTHER_NAMES:
            names_added += int(status.split()[-1])
        progress.advance()
    await conn.execute("SELECT set_config('crosscheck.source', '', true)")
    progress.advance()
    return names_added


def _finish(report: ImportReport, files: dict[str, _File]) -> ImportReport:
    spool = files["drivers"].rejections
    for file in files.values():
        file.counts.rejected = len(file.rejected_lines - {1})
        if file.header_broken:
            file.counts.rejected = file.counts.rows
        file.counts.accepted = 0 if not report.imported else file.counts.rows - file.counts.rejected
        report.warnings.extend(file.warnings[: REPORT_LIMIT - len(report.warnings)])
        report.warnings_total += file.warnings_total
    report.rejected = spool.first(REPORT_LIMIT)
    report.rejected_total = len(spool)
    report.rejected_counts = spool.counts()
    return report
