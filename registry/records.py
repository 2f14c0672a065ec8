"""What an officer sees of a driver: a summary for search results, and the full record.

Any officer may see any driver's register identity, licences at every authority and register
entries (decision, categories, dates, recording authority and how to ask it for more): that
is what the register is for. The private part is the narrative behind an entry, shown only
to the recording authority, or to an authority whose information request for that entry the
recording authority granted (information_request.status = 'granted'); and concerns (s.5
reports), shown only to the authority that reported and the one that received them. To
anyone else the record looks the same whether or not such details exist.

Each statement builds its JSON in PostgreSQL (one round trip) and msgspec turns it into the
structs below. Opening a full record writes a 'view_driver' audit row in the same statement.
"""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
import msgspec

from registry import audit_log
from registry.actor import Actor, acting
from registry.audit_log import Enquirer


class AuthorityRef(msgspec.Struct, frozen=True):
    id: int
    code: str
    name: str


class OtherName(msgspec.Struct, frozen=True):
    kind: str  # former | alias
    forenames: str
    surname: str


class LicenceView(msgspec.Struct, frozen=True):
    id: int
    authority: AuthorityRef
    licence_number: str
    kind: str
    status: str
    granted_on: date
    starts_on: date
    expires_on: date


class EntrySummary(msgspec.Struct, frozen=True):
    id: int
    recording_authority: AuthorityRef
    information_contact: str
    decision: str
    licence_kind: str
    categories: list[str]
    decided_on: date
    effective_on: date
    status: str
    status_changed_on: date | None


class DriverHeading(msgspec.Struct, frozen=True):
    """What every view of a driver starts with (its fields come first in each)."""

    driver_id: uuid.UUID  # the public id
    forenames: str
    surname: str
    date_of_birth: date


class DriverSummary(DriverHeading, frozen=True):
    other_names: list[OtherName]
    gb_licence_number: str | None
    ni_licence_number: str | None
    ni_number: str | None
    home_authority: AuthorityRef | None
    licences: list[LicenceView]
    entries: list[EntrySummary]


class EntryHistory(msgspec.Struct, frozen=True):
    status: str
    changed_on: date
    reason: str | None  # private like the narrative


class OwnRequest(msgspec.Struct, frozen=True):
    """The viewer's own information request about an entry, if any."""

    id: int
    status: str
    requested_on: date
    due_on: date
    responded_on: date | None
    response: str


class EntryView(EntrySummary, frozen=True):
    """The summary a search shows, plus what the full record adds."""

    first_entered_on: date
    retention_ends_on: date
    narrative: str | None  # None: not yours to see (whether or not there is one)
    changes: list[EntryHistory]
    your_requests: list[OwnRequest]


class ConcernView(msgspec.Struct, frozen=True):
    id: int
    reporting_authority: AuthorityRef
    recipient_authority: AuthorityRef
    categories: list[str]
    narrative: str
    became_aware_on: date
    reported_on: date
    report_due_on: date
    reply_decision: str | None
    reply_on: date | None
    reply_reason: str


class NameView(msgspec.Struct, frozen=True):
    kind: str
    forenames: str
    surname: str
    recorded_by: AuthorityRef | None


class DriverRecord(DriverHeading, frozen=True):
    sex: str | None
    names: list[NameView]
    gb_licence_number: str | None
    ni_licence_number: str | None
    ni_number: str | None
    eu_licence_number: str | None
    eu_licence_country: str | None
    address: str
    postcode: str | None
    home_authority: AuthorityRef | None
    recorded_by: AuthorityRef
    licences: list[LicenceView]
    entries: list[EntryView]
    concerns: list[ConcernView]


def _authority(alias: str) -> str:
    return f"json_build_object('id', {alias}.id, 'code', {alias}.code, 'name', {alias}.name)"


LICENCES = f"""
(SELECT coalesce(json_agg(json_build_object(
        'id', l.id, 'authority', {_authority("la")}, 'licence_number', l.licence_number,
        'kind', l.kind, 'status', l.status, 'granted_on', l.granted_on,
        'starts_on', l.starts_on, 'expires_on', l.expires_on)
    ORDER BY l.starts_on DESC, l.id DESC), '[]')
 FROM licence l JOIN authority la ON la.id = l.authority_id
 WHERE l.driver_id = d.id)
"""

# The arguments of json_build_object for a DriverHeading (driver row `d`) and for an
# EntrySummary (entry `e`, its authority `ea`): the summary and the record start alike.
HEADING_FIELDS = """
    'driver_id', d.public_id, 'forenames', d.forenames, 'surname', d.surname,
    'date_of_birth', d.date_of_birth"""
ENTRY_SUMMARY_FIELDS = f"""
                    'id', e.id, 'recording_authority', {_authority("ea")},
                    'information_contact', ea.information_contact, 'decision', e.decision,
                    'licence_kind', e.licence_kind, 'categories', e.categories,
                    'decided_on', e.decided_on, 'effective_on', e.effective_on,
                    'status', e.status, 'status_changed_on', e.status_changed_on"""

# One driver's summary as JSON, for a driver row aliased `d`: the search statements select it
# for each driver they return, so a search is one round trip.
SUMMARY = f"""json_build_object({HEADING_FIELDS},
    'other_names', (SELECT coalesce(json_agg(json_build_object(
                        'kind', n.kind, 'forenames', n.forenames, 'surname', n.surname) ORDER BY n.id), '[]')
                    FROM driver_name n WHERE n.driver_id = d.id AND n.kind <> 'current'),
    'gb_licence_number', d.gb_licence_number, 'ni_licence_number', d.ni_licence_number,
    'ni_number', d.ni_number,
    'home_authority', (SELECT {_authority("h")} FROM authority h WHERE h.id = d.home_authority_id),
    'licences', {LICENCES},
    'entries', (SELECT coalesce(json_agg(json_build_object({ENTRY_SUMMARY_FIELDS})
                ORDER BY e.decided_on DESC, e.id DESC), '[]')
                FROM register_entry e JOIN authority ea ON ea.id = e.authority_id
                WHERE e.driver_id = d.id))"""

SUMMARIES = f"""
SELECT coalesce(json_agg({SUMMARY} ORDER BY ids.n), '[]')
FROM unnest($1::bigint[]) WITH ORDINALITY AS ids(id, n) JOIN driver d ON d.id = ids.id
"""

_summaries = msgspec.json.Decoder(list[DriverSummary])
summary_decoder = msgspec.json.Decoder(DriverSummary)


async def driver_summaries(conn: asyncpg.Connection, driver_ids: list[int]) -> list[DriverSummary]:
    """Summaries for a result list, in the order given (one statement for the whole list).

    Nothing here is private to an authority, so every viewer gets the same summary.
    """
    if not driver_ids:
        return []
    return _summaries.decode(await conn.fetchval(SUMMARIES, driver_ids))


# $1 driver, $2 viewer authority, $3 viewer user, $4 purpose, $5 case reference.
# `may_read` is the narrative rule: the recording authority, or a granted request.
RECORD = f"""
WITH d AS (
    SELECT * FROM driver WHERE id = $1
),
audit AS (
    INSERT INTO audit_entry (user_id, authority_id, action, purpose, case_reference, driver_id,
                           subject, detail)
    SELECT acting_as($3, $2), $2, 'view_driver', $4, $5, d.id, 'driver', '{{}}'::jsonb FROM d
)
SELECT json_build_object({HEADING_FIELDS}, 'sex', d.sex,
    'names', (SELECT coalesce(json_agg(json_build_object(
                  'kind', n.kind, 'forenames', n.forenames, 'surname', n.surname,
                  'recorded_by', (SELECT {_authority("na")} FROM authority na
                                  WHERE na.id = n.recorded_by_authority_id))
              ORDER BY n.kind <> 'current', n.id), '[]')
              FROM driver_name n WHERE n.driver_id = d.id),
    'gb_licence_number', d.gb_licence_number, 'ni_licence_number', d.ni_licence_number,
    'ni_number', d.ni_number, 'eu_licence_number', d.eu_licence_number,
    'eu_licence_country', d.eu_licence_country, 'address', d.address, 'postcode', d.postcode,
    'home_authority', (SELECT {_authority("h")} FROM authority h WHERE h.id = d.home_authority_id),
    'recorded_by', (SELECT {_authority("r")} FROM authority r WHERE r.id = d.recorded_by_authority_id),
    'licences', {LICENCES},
    'entries', (SELECT coalesce(json_agg(json_build_object({ENTRY_SUMMARY_FIELDS},
                    'first_entered_on', e.first_entered_on,
                    'retention_ends_on', e.retention_ends_on,
                    'narrative', CASE WHEN may.read THEN e.narrative END,
                    'changes', (SELECT coalesce(json_agg(json_build_object(
                                    'status', c.status, 'changed_on', c.changed_on,
                                    'reason', CASE WHEN may.read THEN c.reason END)
                                ORDER BY c.changed_on, c.id), '[]')
                                FROM register_entry_change c WHERE c.entry_id = e.id),
                    'your_requests', (SELECT coalesce(json_agg(json_build_object(
                                    'id', r.id, 'status', r.status, 'requested_on', r.requested_on,
                                    'due_on', r.due_on, 'responded_on', r.responded_on,
                                    'response', r.response) ORDER BY r.id), '[]')
                                FROM information_request r
                                WHERE r.entry_id = e.id AND r.requesting_authority_id = $2))
                ORDER BY e.decided_on DESC, e.id DESC), '[]')
                FROM register_entry e
                JOIN authority ea ON ea.id = e.authority_id
                CROSS JOIN LATERAL (
                    SELECT e.authority_id = $2 OR EXISTS (
                        SELECT FROM information_request g
                        WHERE g.entry_id = e.id AND g.requesting_authority_id = $2
                          AND g.status = 'granted') AS read
                ) AS may
                WHERE e.driver_id = d.id),
    'concerns', (SELECT coalesce(json_agg(json_build_object(
                     'id', c.id, 'reporting_authority', {_authority("ca")},
                     'recipient_authority', {_authority("cb")}, 'categories', c.categories,
                     'narrative', c.narrative, 'became_aware_on', c.became_aware_on,
                     'reported_on', c.reported_on, 'report_due_on', c.report_due_on,
                     'reply_decision', c.reply_decision, 'reply_on', c.reply_on,
                     'reply_reason', c.reply_reason)
                 ORDER BY c.reported_on DESC, c.id DESC), '[]')
                 FROM concern c
                 JOIN authority ca ON ca.id = c.reporting_authority_id
                 JOIN authority cb ON cb.id = c.recipient_authority_id
                 WHERE c.driver_id = d.id AND $2 IN (c.reporting_authority_id, c.recipient_authority_id))
)
FROM d
"""

_record = msgspec.json.Decoder(DriverRecord)


async def driver_record(
    conn: asyncpg.Connection, driver_id: int, viewer: Enquirer
) -> DriverRecord | None:
    """The full record as `viewer`'s authority may see it, or None for an unknown driver.

    Writes the 'view_driver' audit row (who, which authority, purpose, case reference) in the
    same statement, so no record is ever shown unaudited.
    """
    raw = await conn.fetchval(
        RECORD,
        driver_id,
        viewer.authority_id,
        viewer.user_id,
        viewer.purpose,
        viewer.case_reference,
    )
    if raw is None:
        return None
    await _flag_if_unexplained(conn, driver_id, viewer)
    return _record.decode(raw)


async def _flag_if_unexplained(conn: asyncpg.Connection, driver_id: int, viewer: Enquirer) -> None:
    """An officer who opens a record that none of their recent searches returned, and that
    their authority has no other reason to know, is flagged to its data protection officer."""
    if viewer.user_id is None or viewer.authority_id is None:
        return
    if await audit_log.explained(conn, driver_id, viewer.authority_id, viewer.user_id):
        return
    async with acting(conn, Actor(viewer.user_id, viewer.authority_id)):
        await audit_log.flag(
            conn,
            action="unexplained_open",
            user_id=viewer.user_id,
            authority_id=viewer.authority_id,
            driver_id=driver_id,
            detail={"reason": "no_search_returned_it", "recent": audit_log.RECENT},
        )
