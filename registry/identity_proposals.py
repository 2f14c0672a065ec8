"""Identity changes respect ownership: proposals from the authorities that do not own them.

A driver's identity fields (name, date of birth, sex, licence numbers, NI number:
drivers.IDENTITY_FIELDS) belong to the authorities with an interest the register can show: a
current or suspended licence, or a register entry about the driver (while there are none, the
authority that recorded the driver). Those authorities change them directly
(drivers.amend_driver). Any other authority *proposes* a change, with its reason; one of the
owning authorities accepts it (the change is then made as that authority, through the same
amend_driver) or rejects it, with a note. Every identity change, direct or accepted, raises
identity_changed alerts for the other authorities with an interest (alerts/rules.py), and the
old names and numbers stay searchable as former (driver_name, driver_former_identifier).

A proposal is seen only by the authority that made it and the owning authorities; to anyone
else it does not exist (the same NotFound as a wrong id). Callers run these inside
registry.actor.acting, as every write.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec
from msgspec import UNSET

from registry import drivers
from registry.actor import Actor, audit_change
from registry.drivers import owns_identity as owns_identity  # the pages ask here too
from registry.errors import Conflict, Invalid, NotFound
from registry.fields import Fields

STATUSES = ("pending", "accepted", "rejected")
# The identity fields in words (for pages and alerts: the fields are named, values never sent).
FIELD_WORDS = {
    "forenames": "forenames",
    "surname": "surname",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "gb_licence_number": "GB driving licence number",
    "ni_licence_number": "Northern Ireland driving licence number",
    "ni_number": "National Insurance number",
    "eu_licence_number": "EU driving licence number",
    "eu_licence_country": "EU driving licence country",
}
MAX_TEXT = 2000


class ProposedIdentityChange(drivers.IdentityChanges, kw_only=True, forbid_unknown_fields=True):
    """The identity fields to change (drivers.IdentityChanges: a field left out stays as it
    is; null clears an optional one) and why."""

    reason: str | None = None


class ProposalDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    note: str | None = None


class IdentityProposal(msgspec.Struct):
    id: int
    driver_id: uuid.UUID  # the driver's public id
    status: str  # pending | accepted | rejected
    proposed_by: str  # the authority's name
    proposed_at: datetime
    reason: str
    # the proposed values, and the register's values of the same fields now
    changes: dict[str, Any]
    current: dict[str, Any]
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    # whether the asking authority may accept or reject it (it owns the identity)
    may_decide: bool = False


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


INSERT = """
INSERT INTO identity_proposal (driver_id, proposed_by_authority_id, proposed_by_user_id,
                               changes, reason)
VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id
"""


# Every owning authority is told of a proposal (alerts/compose.py words the email).
ALERT_OWNERS = """
INSERT INTO alert (proposal_id, recipient_authority_id, kind)
SELECT $2, owner, 'identity_proposed' FROM identity_owners($1) AS owner
"""
OWNER_NAMES = """
SELECT name FROM authority WHERE id IN (SELECT identity_owners($1)) ORDER BY name
"""


async def owner_names(conn: asyncpg.Connection, driver_id: int) -> list[str]:
    """The authorities that decide changes to this driver's identity, by name."""
    return [row["name"] for row in await conn.fetch(OWNER_NAMES, driver_id)]


async def propose(
    conn: asyncpg.Connection, actor: Actor, driver_id: int, proposed: ProposedIdentityChange
) -> IdentityProposal:
    """Propose a change to identity fields the actor's authority does not own."""
    raw = {
        name: value
        for name, value in msgspec.structs.asdict(proposed).items()
        if name != "reason" and value is not UNSET
    }
    current = await drivers.locked_for_change(conn, driver_id, raw)
    fields = Fields()
    reason = fields.text(
        "reason", proposed.reason, "reason for the change", required=True, max_length=MAX_TEXT
    )
    clean = await drivers._read(conn, fields, raw)
    fields.check()
    changed = {name: value for name, value in clean.items() if value != current[name]}
    if not changed:
        raise Invalid(
            [(next(iter(raw), "forenames"), "Change at least one detail from what is recorded")]
        )
    if await owns_identity(conn, actor, driver_id):
        raise Conflict(
            "Your authority licenses this driver or has a register entry about them: "
            "change their details directly",
            next(iter(changed)),
        )
    proposal_id = await conn.fetchval(
        INSERT,
        driver_id,
        actor.authority_id,
        actor.user_id,
        msgspec.json.encode({name: _plain(value) for name, value in changed.items()}).decode(),
        reason,
    )
    await audit_change(
        conn, actor, f"identity_proposal:{proposal_id}", "identity_change_proposed", driver_id
    )
    await conn.execute(ALERT_OWNERS, driver_id, proposal_id)
    return await get(conn, actor, proposal_id)


PROPOSALS = """
SELECT p.id, p.driver_id AS driver_key, d.public_id AS driver_id, p.status,
       pa.name AS proposed_by, p.proposed_by_authority_id, p.proposed_at, p.reason, p.changes,
       da.name AS decided_by, p.decided_at, p.decision_note,
       to_jsonb(d) AS register
FROM identity_proposal p
JOIN driver d ON d.id = p.driver_id
JOIN authority pa ON pa.id = p.proposed_by_authority_id
LEFT JOIN authority da ON da.id = p.decided_by_authority_id
"""
ONE = PROPOSALS + " WHERE p.id = $1"
FOR_DRIVER = PROPOSALS + " WHERE p.driver_id = $1 ORDER BY p.proposed_at DESC, p.id DESC"
# Pending proposals about drivers the authority owns, and those it made (newest first).
FOR_AUTHORITY = (
    PROPOSALS
    + """
WHERE p.status = 'pending' AND (
    p.proposed_by_authority_id = $1
    OR p.driver_id IN (
        SELECT driver_id FROM licence WHERE authority_id = $1 AND status IN ('current', 'suspended')
        UNION
        SELECT driver_id FROM register_entry WHERE authority_id = $1)
    OR (d.recorded_by_authority_id = $1
        AND NOT EXISTS (SELECT FROM licence l WHERE l.driver_id = d.id
                                               AND l.status IN ('current', 'suspended'))
        AND NOT EXISTS (SELECT FROM register_entry r WHERE r.driver_id = d.id)))
ORDER BY p.proposed_at DESC, p.id DESC
LIMIT 200"""
)


async def _visible(
    conn: asyncpg.Connection, actor: Actor, row: asyncpg.Record
) -> IdentityProposal | None:
    owner = await owns_identity(conn, actor, row["driver_key"])
    if not owner and row["proposed_by_authority_id"] != actor.authority_id:
        return None
    changes = msgspec.json.decode(row["changes"])
    register = msgspec.json.decode(row["register"])
    return IdentityProposal(
        id=row["id"],
        driver_id=row["driver_id"],
        status=row["status"],
        proposed_by=row["proposed_by"],
        proposed_at=row["proposed_at"],
        reason=row["reason"],
        changes=changes,
        current={name: register.get(name) for name in changes},
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision_note=row["decision_note"],
        may_decide=owner and row["status"] == "pending",
    )


async def get(conn: asyncpg.Connection, actor: Actor, proposal_id: int) -> IdentityProposal:
    """One proposal the actor's authority made or owns the driver of; NotFound otherwise."""
    row = await conn.fetchrow(ONE, proposal_id) if 0 < proposal_id < 2**63 else None
    found = await _visible(conn, actor, row) if row else None
    if found is None:
        raise NotFound("identity proposal")
    return found


async def for_driver(
    conn: asyncpg.Connection, actor: Actor, driver_id: int
) -> list[IdentityProposal]:
    found = [await _visible(conn, actor, row) for row in await conn.fetch(FOR_DRIVER, driver_id)]
    return [p for p in found if p is not None]


async def for_authority(conn: asyncpg.Connection, actor: Actor) -> list[IdentityProposal]:
    """Pending proposals the actor's authority may decide, and those it is waiting on."""
    if actor.authority_id is None:
        return []
    rows = await conn.fetch(FOR_AUTHORITY, actor.authority_id)
    found = [await _visible(conn, actor, row) for row in rows]
    return [p for p in found if p is not None]


LOCK = "SELECT driver_id, status FROM identity_proposal WHERE id = $1 FOR UPDATE"
DECIDE = """
UPDATE identity_proposal
SET status = $2, decided_by_authority_id = $3, decided_by_user_id = $4, decided_at = now(),
    decision_note = $5
WHERE id = $1 AND status = 'pending'
"""


async def decide(
    conn: asyncpg.Connection,
    actor: Actor,
    proposal_id: int,
    accept: bool,
    decision: ProposalDecision,
) -> IdentityProposal:
    """Accept (the change is made now, as the actor's authority) or reject a pending
    proposal. NotFound for a proposal the actor cannot see; Conflict when it is decided
    already or the actor's authority does not own the identity."""
    proposal = await get(conn, actor, proposal_id)
    row = await conn.fetchrow(LOCK, proposal_id)
    if row["status"] != "pending":
        raise Conflict(f"This proposal was {row['status']} already", "status")
    await drivers.refuse_unless_identity_owner(
        conn,
        actor,
        row["driver_id"],
        "accept or reject a proposed change to their identity",
        "status",
    )
    fields = Fields()
    note = fields.text("note", decision.note, "note", max_length=MAX_TEXT)
    if not accept and not note:
        fields.error("note", "Say why the change is rejected, for the authority that proposed it")
    fields.check()
    if accept:
        await drivers.amend_driver(
            conn, actor, row["driver_id"], drivers.DriverChanges(**proposal.changes)
        )
    status = "accepted" if accept else "rejected"
    await conn.execute(DECIDE, proposal_id, status, actor.authority_id, actor.user_id, note)
    await audit_change(
        conn,
        actor,
        f"identity_proposal:{proposal_id}",
        f"identity_change_{status}",
        row["driver_id"],
    )
    return await get(conn, actor, proposal_id)
