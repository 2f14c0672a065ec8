"""Drivers: the shared person record every authority's licences and decisions hang from.

Any officer may record a driver or amend one (the register has one record per person, not
one per council); the change is logged as a register event and in the audit log. A driver's
identifiers are unique on the register: recording one that exists is a Conflict naming the
existing record, and a likely duplicate (same date of birth, similar names) is flagged, not
refused, because two people can share a name and a birthday.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypedDict, cast

import asyncpg
import msgspec
from msgspec import UNSET, UnsetType

from registry import audit_log, identifiers
from registry.actor import Actor, audit_change
from registry.authorities import by_code
from registry.errors import Conflict, NotFound
from registry.fields import BirthDate, Choice, Fields, Identifier, Text, specs

NAME_KINDS = ("alias", "former")


class DriverDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A driver to record. Dates are written like 1980-05-17; authorities by GSS code. Its
    fields' declarations check a change (DriverChanges) too."""

    forenames: Annotated[str | None, Text("driver's forenames", required=True)] = None
    surname: Annotated[str | None, Text("driver's surname", required=True)] = None
    date_of_birth: Annotated[str | None, BirthDate("driver's date of birth", required=True)] = None
    sex: Annotated[str | None, Choice("sex (as on the driving licence)", ("F", "M"), "sex")] = None
    gb_licence_number: Annotated[
        str | None, Identifier("GB driving licence number", identifiers.normalise_gb_licence)
    ] = None
    ni_licence_number: Annotated[
        str | None,
        Identifier(
            "Northern Ireland driving licence number", identifiers.normalise_ni_licence, length=8
        ),
    ] = None
    ni_number: Annotated[
        str | None,
        Identifier("National Insurance number", identifiers.normalise_ni_number, length=9),
    ] = None
    # the EU licence's number and country are checked together (_read_eu_licence)
    eu_licence_number: str | None = None
    eu_licence_country: str | None = None
    address: Annotated[str | None, Text("home address", max_length=300)] = None
    postcode: Annotated[
        str | None, Identifier("postcode", identifiers.normalise_postcode, length=8)
    ] = None
    home_authority: str | None = None
    # A register search (by this authority) that found nobody, so the audit trail shows the
    # check came before the record.
    search_id: str | None = None


class IdentityChanges(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Who a driver is: the one declaration of the identity fields (IDENTITY_FIELDS), which
    only the owning authorities change and others propose (registry/identity_proposals.py).
    A field left out stays as it is, null clears an optional one."""

    forenames: str | UnsetType = UNSET
    surname: str | UnsetType = UNSET
    date_of_birth: str | UnsetType = UNSET
    sex: str | UnsetType | None = UNSET
    gb_licence_number: str | UnsetType | None = UNSET
    ni_licence_number: str | UnsetType | None = UNSET
    ni_number: str | UnsetType | None = UNSET
    eu_licence_number: str | UnsetType | None = UNSET
    eu_licence_country: str | UnsetType | None = UNSET


class DriverChanges(IdentityChanges, kw_only=True, forbid_unknown_fields=True):
    """Fields to change; a field left out stays as it is, null clears an optional one."""

    address: str | UnsetType | None = UNSET
    postcode: str | UnsetType | None = UNSET
    home_authority: str | UnsetType | None = UNSET


class NameDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Another name the driver is known by: 'alias' (another spelling) or 'former'."""

    kind: Annotated[str | None, Choice("kind of name", NAME_KINDS, "name_kind", required=True)] = (
        None
    )
    forenames: Annotated[str | None, Text("forenames", required=True)] = None
    surname: Annotated[str | None, Text("surname", required=True)] = None
    # defaults to the driver's
    date_of_birth: Annotated[str | None, BirthDate("date of birth")] = None


class PossibleDuplicate(msgspec.Struct):
    driver_id: uuid.UUID
    reason: str


class DriverRecorded(msgspec.Struct):
    id: uuid.UUID  # the driver's public id, as in /api/v1/drivers/{id}
    warnings: list[str]
    possible_duplicates: list[PossibleDuplicate]


class DriverAmended(msgspec.Struct):
    id: uuid.UUID
    changed: list[str]
    warnings: list[str]


class NameAdded(msgspec.Struct):
    id: int
    driver_id: uuid.UUID
    kind: str


# --- public ids -------------------------------------------------------------------------------
# A driver is addressed from outside (API, pages, alerts, exports) by a random public id; the
# integer id is the internal key and is never shown (docs/security.md, V4).

DRIVER_KEY = "SELECT id FROM driver WHERE public_id = $1"
PUBLIC_ID = "SELECT public_id FROM driver WHERE id = $1"


def parse_public_id(text: object) -> uuid.UUID | None:
    """A public id from a path or a form, or None when it cannot be one."""
    if isinstance(text, uuid.UUID):
        return text
    try:
        return uuid.UUID(str(text).strip())
    except ValueError:
        return None


async def driver_key(conn: asyncpg.Connection, public_id: object) -> int | None:
    """The internal id of the driver with this public id (None: no such driver)."""
    parsed = parse_public_id(public_id)
    if parsed is None:
        return None
    key: int | None = await conn.fetchval(DRIVER_KEY, parsed)
    return key


async def public_id(conn: asyncpg.Connection, driver_id: int) -> uuid.UUID:
    found: uuid.UUID = await conn.fetchval(PUBLIC_ID, driver_id)
    return found


async def read_driver(conn: asyncpg.Connection, fields: Fields, given: object) -> int | None:
    """The internal id for a request's driver_id (a public id), or a field error."""
    if given is None:
        fields.error("driver_id", "Enter the id of the driver on the register")
        return None
    key = await driver_key(conn, given)
    if key is None:
        fields.error("driver_id", "There is no driver on the register with this id")
    return key


# --- reading the fields -----------------------------------------------------------------------


class DriverColumns(TypedDict, total=False):
    """A driver's fields once read, by column: all of them when recording, the ones given when
    amending."""

    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    gb_licence_number: str | None
    ni_licence_number: str | None
    ni_number: str | None
    eu_licence_number: str | None
    eu_licence_country: str | None
    address: str
    postcode: str | None
    home_authority_id: int | None


async def _read(conn: asyncpg.Connection, fields: Fields, raw: dict[str, Any]) -> DriverColumns:
    """Check the fields present in `raw` (all of them, when creating) as DriverDetails declares
    them, into column values."""
    if isinstance(raw.get("sex"), str):
        raw = {**raw, "sex": raw["sex"].upper()}
    declared = specs(DriverDetails)
    clean: dict[str, Any] = {}
    for name in (field.name for field in msgspec.structs.fields(DriverDetails)):
        if name in declared and name in raw:
            clean[name] = declared[name].read(fields, name, raw[name])
        elif name == "eu_licence_number" and raw.keys() & {name, "eu_licence_country"}:
            _read_eu_licence(fields, raw, clean)
    if "address" in clean:
        clean["address"] = clean["address"] or ""
    if "home_authority" in raw:
        clean["home_authority_id"] = await _authority_id(
            conn, fields, "home_authority", raw["home_authority"]
        )
    return cast(DriverColumns, clean)


def _read_eu_licence(fields: Fields, raw: dict[str, Any], clean: dict[str, Any]) -> None:
    number: str | None = raw.get("eu_licence_number")
    country: str | None = raw.get("eu_licence_country")
    if not (number or "").strip() and not (country or "").strip():
        clean["eu_licence_number"] = clean["eu_licence_country"] = None
        return
    if country is None or not country.strip():
        fields.error("eu_licence_country", "Select the EU country that issued the driving licence")
        return
    try:
        clean["eu_licence_number"] = identifiers.normalise_eu_licence(number, country)
        clean["eu_licence_country"] = (
            "GR" if country.strip().upper() == "EL" else country.strip().upper()
        )
    except identifiers.IdentifierError as exc:
        fields.error(exc.field, exc.message)


async def _authority_id(
    conn: asyncpg.Connection, fields: Fields, field: str, code: object
) -> int | None:
    if code is None or not str(code).strip():
        return None
    found = await by_code(conn, str(code))
    if found is None:
        fields.error(
            field,
            "There is no authority with this code (use the ONS GSS code, like E08000018, or TFL)",
        )
        return None
    return found.id


def warnings(driver: Mapping[str, Any]) -> list[str]:
    """What the GB driving licence number suggests is wrong with the rest of the record."""
    if not driver.get("gb_licence_number"):
        return []
    return identifiers.gb_licence_warnings(
        driver["gb_licence_number"],
        surname=driver.get("surname"),
        date_of_birth=driver.get("date_of_birth"),
        sex=driver.get("sex"),
        forenames=driver.get("forenames"),
    )


# --- recording a driver -----------------------------------------------------------------------

SEARCH_BY_AUTHORITY = """
SELECT purpose, case_reference FROM audit_log
WHERE search_id = $1 AND action = 'search' AND authority_id = $2
ORDER BY id LIMIT 1
"""

SAME_IDENTIFIER = """
SELECT id, public_id,
       CASE WHEN gb_licence_number = $1 THEN 'gb_licence_number'
            WHEN ni_number = $2 THEN 'ni_number'
            ELSE 'ni_licence_number' END AS field
FROM driver
WHERE gb_licence_number = $1 OR ni_number = $2 OR ni_licence_number = $3
ORDER BY id LIMIT 1
"""

CONFLICT_MESSAGES = {
    "gb_licence_number": "A driver with this GB driving licence number is already on the register",
    "ni_number": "A driver with this National Insurance number is already on the register",
    "ni_licence_number": "A driver with this Northern Ireland driving licence number is already "
    "on the register",
}

INSERT_DRIVER = """
INSERT INTO driver (forenames, surname, date_of_birth, sex, gb_licence_number, ni_licence_number,
                    ni_number, eu_licence_number, eu_licence_country, address, postcode,
                    home_authority_id, recorded_by_authority_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
RETURNING id, public_id
"""

INSERT_NAME = """
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id
"""

# Same date of birth, surname spelled or sounding the same, first forename sounding the same,
# on any name (current, former or alias) of another driver.
POSSIBLE_DUPLICATES = """
SELECT d.public_id AS driver_id, found.same_name
FROM (
    SELECT n.driver_id,
           bool_or(n.surname_key = me.surname_key AND n.forename_key = me.forename_key)
               AS same_name
    FROM driver_name me
    JOIN driver_name n ON n.date_of_birth = me.date_of_birth
                      AND n.driver_id <> me.driver_id
                      AND n.forename_sound = me.forename_sound
                      AND (n.surname_key = me.surname_key OR n.surname_sound = me.surname_sound)
    WHERE me.driver_id = $1 AND me.kind = 'current'
    GROUP BY n.driver_id
    ORDER BY same_name DESC, n.driver_id
    LIMIT 20
) AS found
JOIN driver d ON d.id = found.driver_id
ORDER BY found.same_name DESC, found.driver_id
"""


async def create_driver(
    conn: asyncpg.Connection, actor: Actor, details: DriverDetails
) -> DriverRecorded:
    """Record a driver; Invalid for bad fields, Conflict when an identifier is already known."""
    fields = Fields()
    raw = msgspec.structs.asdict(details)
    clean = await _read(conn, fields, raw)
    search = await _read_search(conn, fields, actor, details.search_id)
    fields.check()
    await _refuse_known_identifiers(conn, clean)
    inserted = await conn.fetchrow(
        INSERT_DRIVER,
        clean["forenames"],
        clean["surname"],
        clean["date_of_birth"],
        clean["sex"],
        clean["gb_licence_number"],
        clean["ni_licence_number"],
        clean["ni_number"],
        clean.get("eu_licence_number"),
        clean.get("eu_licence_country"),
        clean["address"],
        clean["postcode"],
        clean["home_authority_id"],
        actor.authority_id,
    )
    driver_id = inserted["id"]
    await conn.execute(
        INSERT_NAME,
        driver_id,
        "current",
        clean["forenames"],
        clean["surname"],
        clean["date_of_birth"],
        actor.authority_id,
    )
    if search:
        # The search that found nobody, linked to the driver recorded after it.
        await audit_log.record(
            conn,
            action="search",
            user_id=actor.user_id,
            authority_id=actor.authority_id,
            purpose=search["purpose"],
            case_reference=search["case_reference"],
            driver_id=driver_id,
            search_id=search["search_id"],
            subject=f"driver:{inserted['public_id']}",
            detail={"recorded_after_search": True},
        )
    await audit_change(conn, actor, f"driver:{inserted['public_id']}", "driver_recorded", driver_id)
    return DriverRecorded(
        id=inserted["public_id"],
        warnings=warnings(clean),
        possible_duplicates=await possible_duplicates(conn, driver_id),
    )


async def _read_search(
    conn: asyncpg.Connection, fields: Fields, actor: Actor, search_id: str | None
) -> dict[str, Any] | None:
    if not search_id:
        return None
    try:
        parsed = uuid.UUID(str(search_id))
    except ValueError:
        fields.error("search_id", "The search id must be the id a register search returned")
        return None
    row = await conn.fetchrow(SEARCH_BY_AUTHORITY, parsed, actor.authority_id)
    if row is None:
        fields.error("search_id", "There is no register search by your authority with this id")
        return None
    return {**dict(row), "search_id": parsed}


async def _refuse_known_identifiers(
    conn: asyncpg.Connection, clean: Mapping[str, object], driver_id: int | None = None
) -> None:
    values = [clean.get(name) for name in ("gb_licence_number", "ni_number", "ni_licence_number")]
    if not any(values):
        return
    row = await conn.fetchrow(SAME_IDENTIFIER, *values)
    if row and row["id"] != driver_id:
        raise Conflict(CONFLICT_MESSAGES[row["field"]], row["field"], ("driver", row["public_id"]))


async def possible_duplicates(conn: asyncpg.Connection, driver_id: int) -> list[PossibleDuplicate]:
    rows = await conn.fetch(POSSIBLE_DUPLICATES, driver_id)
    return [
        PossibleDuplicate(
            driver_id=row["driver_id"],
            reason=(
                "Same date of birth and the same name"
                if row["same_name"]
                else "Same date of birth and names that sound alike"
            ),
        )
        for row in rows
    ]


# --- amending a driver ------------------------------------------------------------------------

DRIVER_FOR_UPDATE = """
SELECT id, public_id, forenames, surname, date_of_birth, sex, gb_licence_number,
       ni_licence_number, ni_number, eu_licence_number, eu_licence_country, address, postcode,
       home_authority_id, recorded_by_authority_id
FROM driver WHERE id = $1 FOR UPDATE
"""

KEEP_OLD_NAME = """
INSERT INTO driver_name (driver_id, kind, forenames, surname, date_of_birth, recorded_by_authority_id)
SELECT driver_id, 'former', forenames, surname, date_of_birth, $2
FROM driver_name WHERE driver_id = $1 AND kind = 'current'
ON CONFLICT (driver_id, kind, forenames, surname) DO NOTHING
"""

RENAME_CURRENT = """
UPDATE driver_name SET forenames = $2, surname = $3, date_of_birth = $4
WHERE driver_id = $1 AND kind = 'current'
"""

UPDATABLE = (
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
    "home_authority_id",
)


# Who may change who a driver is (docs/security.md, V4): the authorities with a live licence
# for the driver or a register entry about them; while there are none, the authority that
# recorded the driver. Address, postcode and home authority are not identity: any officer
# may correct them (a move raises driver_moved for the authorities concerned).
IDENTITY_FIELDS = IdentityChanges.__struct_fields__

# The database says who the owners are (identity_owners(), migrations/0031) and refuses a
# recorded identity changed, or a name added (0033), by anyone else; this asks it first, to
# answer naming the field.
OWNS_IDENTITY = "SELECT $2::integer IN (SELECT identity_owners($1))"


async def owns_identity(conn: asyncpg.Connection, actor: Actor, driver_id: int) -> bool:
    """Whether the actor's authority may change this driver's identity fields directly."""
    if actor.authority_id is None:
        return False
    return bool(await conn.fetchval(OWNS_IDENTITY, driver_id, actor.authority_id))


async def refuse_unless_identity_owner(
    conn: asyncpg.Connection, actor: Actor, driver_id: int, doing: str, field: str
) -> None:
    """Conflict naming `field` unless the actor's authority owns the driver's identity."""
    if not await owns_identity(conn, actor, driver_id):
        raise Conflict(
            "Only an authority that licenses this driver or has a register entry about them "
            f"may {doing}",
            field,
        )


async def locked_for_change(
    conn: asyncpg.Connection, driver_id: int, raw: dict[str, Any]
) -> asyncpg.Record:
    """The driver's row, locked for a change (NotFound when there is none). When `raw` gives
    one half of the EU licence pair, the other half as recorded is added to check it against."""
    current = await conn.fetchrow(DRIVER_FOR_UPDATE, driver_id)
    if current is None:
        raise NotFound("driver")
    if ("eu_licence_number" in raw) != ("eu_licence_country" in raw):
        for name in ("eu_licence_number", "eu_licence_country"):
            raw.setdefault(name, current[name])
    return current


async def amend_driver(
    conn: asyncpg.Connection, actor: Actor, driver_id: int, changes: DriverChanges
) -> DriverAmended:
    """Change a driver's details. A changed name keeps the old one as a former name, so a
    search under either still finds the driver. A new home authority raises driver_moved."""
    raw = {
        name: value for name, value in msgspec.structs.asdict(changes).items() if value is not UNSET
    }
    current = await locked_for_change(conn, driver_id, raw)
    fields = Fields()
    clean = await _read(conn, fields, raw)
    fields.check()
    changed = {name: value for name, value in clean.items() if value != current[name]}
    identity = [name for name in IDENTITY_FIELDS if name in changed]
    if identity:
        await refuse_unless_identity_owner(
            conn,
            actor,
            driver_id,
            "change their name, date of birth or identifiers: propose the change to them",
            identity[0],
        )
    await _refuse_known_identifiers(conn, changed, driver_id)
    if changed:
        assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(changed, start=2))
        await conn.execute(
            f"UPDATE driver SET {assignments}, updated_at = now() WHERE id = $1",
            driver_id,
            *changed.values(),
        )
        after = {**dict(current), **changed}
        if {"forenames", "surname"} & changed.keys():
            await conn.execute(KEEP_OLD_NAME, driver_id, actor.authority_id)
        if {"forenames", "surname", "date_of_birth"} & changed.keys():
            await conn.execute(
                RENAME_CURRENT,
                driver_id,
                after["forenames"],
                after["surname"],
                after["date_of_birth"],
            )
        await audit_change(
            conn,
            actor,
            f"driver:{current['public_id']}",
            "driver_moved" if "home_authority_id" in changed else "driver_amended",
            driver_id,
        )
    else:
        after = dict(current)
    names = ["home_authority" if name == "home_authority_id" else name for name in changed]
    return DriverAmended(id=current["public_id"], changed=names, warnings=warnings(after))


# --- other names ------------------------------------------------------------------------------

DRIVER_DOB = "SELECT date_of_birth, public_id FROM driver WHERE id = $1 FOR UPDATE"

SAME_NAME = """
SELECT 1 FROM driver_name WHERE driver_id = $1 AND kind = $2 AND forenames = $3 AND surname = $4
"""

TOUCH_DRIVER = "UPDATE driver SET updated_at = now() WHERE id = $1"


async def add_name(
    conn: asyncpg.Connection, actor: Actor, driver_id: int, details: NameDetails
) -> NameAdded:
    """Record an alias or a former name (a surname before marriage, another council's
    spelling); only an authority that owns the driver's identity may."""
    fields = Fields()
    got = fields.read(details)
    kind, forenames, surname = got["kind"], got["forenames"], got["surname"]
    born = got["date_of_birth"]
    driver = await conn.fetchrow(DRIVER_DOB, driver_id)
    if driver is None:
        raise NotFound("driver")
    driver_born = driver["date_of_birth"]
    fields.check()
    assert kind is not None  # required: fields.check() raised without it
    # another name (with its own date of birth) is who the driver is found as: an authority
    # with no part in the driver could make a search for someone else find them
    await refuse_unless_identity_owner(
        conn, actor, driver_id, "add a name they are known by: propose a change to them", "surname"
    )
    if await conn.fetchval(SAME_NAME, driver_id, kind, forenames, surname):
        raise Conflict("The driver already has this name recorded", "surname")
    name_id = await conn.fetchval(
        INSERT_NAME, driver_id, kind, forenames, surname, born or driver_born, actor.authority_id
    )
    # Touching the driver raises a driver_amended event: a search index or an alert rule
    # learns that the person's names changed.
    await conn.execute(TOUCH_DRIVER, driver_id)
    await audit_change(conn, actor, f"driver:{driver['public_id']}", "driver_name_added", driver_id)
    return NameAdded(id=name_id, driver_id=driver["public_id"], kind=kind)
