"""What can go wrong when recording, in words an officer can act on.

Messages never repeat a submitted value: values are personal data and messages reach logs.
The service turns these into problem+json (422, 409, 404); the CLI prints them.
"""

from __future__ import annotations

import asyncpg


class Invalid(Exception):
    """Some fields are missing or wrong: every one of them, not just the first."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors))
        self.errors = list(errors)


class Conflict(Exception):
    """The register already holds what this would create, or the record's state forbids it.

    `existing` names the record in the way, as (kind, id), when it is known.
    """

    def __init__(
        self, message: str, field: str | None = None, existing: tuple[str, int] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.existing = existing


class NotFound(Exception):
    """No such record, or it belongs to another authority: both answer the same way."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} not found")
        self.kind = kind


# Constraints whose violation means something an officer can fix, by constraint name.
UNIQUE_MESSAGES = {
    "driver_gb_licence_number_key": (
        "gb_licence_number",
        "A driver with this GB driving licence number is already on the register",
    ),
    "driver_ni_number_key": (
        "ni_number",
        "A driver with this National Insurance number is already on the register",
    ),
    "driver_ni_licence_number_key": (
        "ni_licence_number",
        "A driver with this Northern Ireland driving licence number is already on the register",
    ),
    "licence_authority_id_licence_number_key": (
        "licence_number",
        "Your authority already has a licence with this number",
    ),
    "licence_one_live_per_kind": (
        "kind",
        "The driver already holds a live licence of this kind from your authority",
    ),
    "driver_name_driver_id_kind_forenames_surname_key": (
        "surname",
        "The driver already has this name recorded",
    ),
}


def from_database(exc: asyncpg.PostgresError) -> Invalid | Conflict:
    """A constraint the Python checks did not catch first (a race, usually), as a field error."""
    constraint = getattr(exc, "constraint_name", None) or ""
    column = getattr(exc, "column_name", None)
    if isinstance(exc, asyncpg.UniqueViolationError):
        field, message = UNIQUE_MESSAGES.get(
            constraint, (column or "body", "This is already on the register")
        )
        return Conflict(message, field)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        # licence_driver_id_fkey -> driver_id
        field = _fkey_column(constraint, getattr(exc, "table_name", None) or "")
        return Invalid([(field, "Refers to a record that is not on the register")])
    if isinstance(exc, asyncpg.NotNullViolationError):
        return Invalid([(column or "body", "Enter a value")])
    return Invalid(
        [
            (
                column or getattr(exc, "table_name", None) or "body",
                "A value breaks one of the register's rules",
            )
        ]
    )


def _fkey_column(constraint: str, table: str) -> str:
    name = constraint.removeprefix(table + "_").removesuffix("_fkey")
    return name or "body"
