"""The alert email: one per recipient authority per batch, plain text and HTML, grouped by
kind, each alert with a link to the record in the service and a link to acknowledge it.

What an alert shows is kept minimal (DOMAIN.md): who the driver is (name, date of birth),
the licence type, the authorities involved and the dates. Never narrative, reasons,
categories of relevant information or addresses: those are released to another authority
only through a recorded information request, inside the service.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import asyncpg

from alerts.email_body import html_body, text_body
from alerts.rules import london_today
from alerts.transports import Email
from registry.workdays import working_days_between

# Headings in the order a council should read them: the most urgent first.
SECTIONS = {
    "safeguarding_concern": "Safeguarding concerns reported to you (s.5)",
    "register_decision": "Decisions entered on the register",
    "licence_revoked": "Licences revoked by other authorities",
    "licence_suspended": "Licences suspended by other authorities",
    "decision_changed": "Changes to register entries",
    "request_overdue": "Information requests now overdue (s.3)",
    "request_due_soon": "Information requests due within 5 working days (s.3)",
    "information_request": "Information requests received (s.3)",
    "out_of_area_licence": "Your residents licensed by other authorities",
    "resident_moved": "Licensed drivers who have moved into your area",
}

LICENCE_KINDS = {
    "hackney_carriage": "Hackney carriage driver",
    "private_hire": "Private hire driver",
    "dual": "Dual (hackney carriage and private hire) driver",
}
DECISIONS = {
    "refused": "Licence refused",
    "refused_renewal": "Renewal refused",
    "suspended": "Licence suspended",
    "revoked": "Licence revoked",
}
ENTRY_STATUSES = {
    "in_force": "In force",
    "appeal_allowed": "Appeal allowed",
    "reinstated": "Reinstated",
    "later_granted": "Licence later granted",
    "withdrawn": "Withdrawn",
}


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@lru_cache(maxsize=4096)
def long_date(value: date | str | None) -> str:
    """17 May 1980, the GOV.UK style (and not the locale's month names)."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Everything an email may show about an alert, and nothing more: no narrative, reasons,
# categories or addresses are selected, so none can leak into a template.
ALERT_VIEWS = """
SELECT a.id, a.kind, a.recipient_authority_id, a.request_id,
       e.kind AS event_kind, e.driver_id,
       d.forenames, d.surname, d.date_of_birth,
       l.kind AS licence_kind, l.granted_on, l.starts_on, l.expires_on,
       la.name AS licence_authority,
       CASE WHEN e.kind LIKE 'licence\\_%' THEN e.detail ->> 'effective_on' END AS licence_effective_on,
       re.id AS entry_id, re.decision, re.licence_kind AS entry_licence_kind, re.decided_on,
       re.effective_on AS entry_effective_on, re.status AS entry_status, re.status_changed_on,
       ra.name AS entry_authority, ra.information_contact,
       c.id AS concern_id, c.became_aware_on, c.reported_on, c.report_due_on,
       ca.name AS concern_reporter, cl.kind AS concern_licence_kind,
       r.case_reference, r.requested_on, r.due_on, rq.name AS requesting_authority,
       mf.name AS moved_from, moved.licences
FROM alert a
JOIN register_event e ON e.id = a.event_id
LEFT JOIN driver d ON d.id = e.driver_id
LEFT JOIN licence l ON e.kind LIKE 'licence\\_%' AND l.id = e.subject_id
LEFT JOIN authority la ON la.id = l.authority_id
LEFT JOIN information_request r ON r.id = a.request_id
LEFT JOIN authority rq ON rq.id = r.requesting_authority_id
LEFT JOIN register_entry re ON re.id = CASE WHEN e.kind IN ('entry_recorded', 'entry_changed')
                                            THEN e.subject_id ELSE r.entry_id END
LEFT JOIN authority ra ON ra.id = re.authority_id
LEFT JOIN concern c ON e.kind = 'concern_reported' AND c.id = e.subject_id
LEFT JOIN authority ca ON ca.id = c.reporting_authority_id
LEFT JOIN licence cl ON cl.id = c.licence_id
LEFT JOIN authority mf ON a.kind = 'resident_moved' AND mf.id = (e.detail ->> 'from_authority_id')::integer
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('kind', ml.kind, 'authority', ma.name,
                                      'starts_on', ml.starts_on, 'expires_on', ml.expires_on)
                    ORDER BY ma.name, ml.starts_on) AS licences
    FROM licence ml JOIN authority ma ON ma.id = ml.authority_id
    WHERE a.kind = 'resident_moved' AND ml.driver_id = e.driver_id
      AND ml.status IN ('current', 'suspended') AND ml.authority_id <> a.recipient_authority_id
) moved ON true
WHERE a.id = ANY($1::bigint[])
ORDER BY a.id
"""


@dataclass(frozen=True)
class AlertView:
    """One alert as a council reads it: a title, the facts and the links."""

    id: int
    kind: str
    recipient_authority_id: int
    title: str
    facts: list[tuple[str, str]]
    record_url: str
    acknowledge_url: str
    note: str = ""


@dataclass
class Recipient:
    id: int
    name: str
    alert_email: str | None
    alerts: list[AlertView] = field(default_factory=list)


def record_path(row) -> str:
    """Where the record behind an alert lives in the service."""
    kind = row["kind"]
    if kind == "safeguarding_concern":
        return f"/concerns/{row['concern_id']}"
    if kind in ("information_request", "request_due_soon", "request_overdue"):
        return f"/requests/{row['request_id']}"
    if kind in ("register_decision", "decision_changed"):
        return f"/entries/{row['entry_id']}"
    return f"/drivers/{row['driver_id']}"


def acknowledge_path(alert_id: int) -> str:
    # a page that asks the signed-in officer to confirm; no secret in the link
    return f"/alerts/{alert_id}/acknowledge"


def _identity(row) -> list[tuple[str, str]]:
    if row["surname"] is None:
        return []
    return [
        ("Driver", f"{row['forenames']} {row['surname']}"),
        ("Date of birth", long_date(row["date_of_birth"])),
    ]


def _licence(kind: str | None) -> str:
    return LICENCE_KINDS.get(kind or "", "Driver")


def _out_of_area(row, today):
    renewed = row["event_kind"] == "licence_renewed"
    facts = [
        ("Licence", _licence(row["licence_kind"])),
        ("Licensing authority", row["licence_authority"]),
        (
            "Renewed on" if renewed else "Granted on",
            long_date(row["licence_effective_on"] or row["granted_on"]),
        ),
        ("Valid", f"{long_date(row['starts_on'])} to {long_date(row['expires_on'])}"),
    ]
    title = f"{'Licence renewed' if renewed else 'Licence granted'} by {row['licence_authority']}"
    return title, facts, ""


def _licence_action(row, today):
    word = "revoked" if row["kind"] == "licence_revoked" else "suspended"
    facts = [
        ("Licence", _licence(row["licence_kind"])),
        ("Licensing authority", row["licence_authority"]),
        (f"{word.capitalize()} from", long_date(row["licence_effective_on"])),
        ("Licence was valid", f"{long_date(row['starts_on'])} to {long_date(row['expires_on'])}"),
    ]
    return f"Licence {word} by {row['licence_authority']}", facts, ""


def _entry_facts(row) -> list[tuple[str, str]]:
    return [
        ("Decision", DECISIONS.get(row["decision"], row["decision"] or "")),
        ("Licence", _licence(row["entry_licence_kind"])),
        ("Recorded by", row["entry_authority"]),
        ("Decided on", long_date(row["decided_on"])),
        ("Takes effect", long_date(row["entry_effective_on"])),
    ]


def _further_information(row) -> str:
    contact = (row["information_contact"] or "").strip()
    return (
        f"The reasons are not sent by email. To see them, make an information request to "
        f"{row['entry_authority']} through Crosscheck. {contact}"
    ).strip()


def _register_decision(row, today):
    title = f"{DECISIONS.get(row['decision'], 'Decision')} by {row['entry_authority']}"
    return title, _entry_facts(row), _further_information(row)


def _decision_changed(row, today):
    status = ENTRY_STATUSES.get(row["entry_status"], row["entry_status"] or "")
    facts = _entry_facts(row) + [
        ("Entry now", status),
        ("Changed on", long_date(row["status_changed_on"])),
    ]
    return (
        f"Register entry by {row['entry_authority']} changed: {status}",
        facts,
        _further_information(row),
    )


def _concern(row, today):
    on_time = row["reported_on"] <= row["report_due_on"]
    timing = (
        "Yes"
        if on_time
        else (
            f"No: {plural(working_days_between(row['report_due_on'], row['reported_on']), 'working day')} late"
        )
    )
    facts = [
        ("Reported by", row["concern_reporter"]),
        (
            "Your licence",
            _licence(row["concern_licence_kind"]) if row["concern_licence_kind"] else "Not named",
        ),
        ("Reporter became aware on", long_date(row["became_aware_on"])),
        ("Report due by (10 working days)", long_date(row["report_due_on"])),
        ("Reported on", long_date(row["reported_on"])),
        ("Reported within the 10 working days", timing),
    ]
    note = (
        f"You must consider whether to suspend or revoke the licence, and tell "
        f"{row['concern_reporter']} what you decided (s.6)."
    )
    return f"Safeguarding concern reported by {row['concern_reporter']}", facts, note


def _request(row, today):
    kind = row["kind"]
    facts = [
        ("Requested by", row["requesting_authority"]),
        ("Their case reference", row["case_reference"]),
        ("Requested on", long_date(row["requested_on"])),
        ("Answer due by (20 working days)", long_date(row["due_on"])),
        (
            "About your entry",
            f"{DECISIONS.get(row['decision'], '')}, decided on {long_date(row['decided_on'])}",
        ),
    ]
    if kind == "request_overdue":
        late = working_days_between(row["due_on"], today)
        facts.append(("Overdue by", plural(late, "working day")))
        title = f"Overdue: information request from {row['requesting_authority']}"
    elif kind == "request_due_soon":
        left = working_days_between(today, row["due_on"])
        facts.append(("Working days left", str(left)))
        title = f"Due soon: information request from {row['requesting_authority']}"
    else:
        title = f"Information request from {row['requesting_authority']}"
    note = "You must answer within 20 working days and tell them of any later change to the entry (s.3)."
    return title, facts, note


def _resident_moved(row, today):
    licences = json.loads(row["licences"]) if row["licences"] else []
    facts = [("Moved from", row["moved_from"] or "Not known")]
    for licence in licences:
        facts.append(
            (
                "Licence",
                f"{_licence(licence['kind'])}, {licence['authority']}, valid "
                f"{long_date(licence['starts_on'])} to {long_date(licence['expires_on'])}",
            )
        )
    return "A licensed driver now lives in your area", facts, ""


DESCRIBE = {
    "out_of_area_licence": _out_of_area,
    "licence_suspended": _licence_action,
    "licence_revoked": _licence_action,
    "register_decision": _register_decision,
    "decision_changed": _decision_changed,
    "safeguarding_concern": _concern,
    "information_request": _request,
    "request_due_soon": _request,
    "request_overdue": _request,
    "resident_moved": _resident_moved,
}


def describe(row, base_url: str, today: date) -> AlertView:
    title, facts, note = DESCRIBE[row["kind"]](row, today)
    return AlertView(
        id=row["id"],
        kind=row["kind"],
        recipient_authority_id=row["recipient_authority_id"],
        title=title,
        facts=_identity(row) + [(k, v) for k, v in facts if v],
        note=note,
        record_url=base_url + record_path(row),
        acknowledge_url=base_url + acknowledge_path(row["id"]),
    )


VIEWS_AT_A_TIME = 250


async def load_views(
    conn: asyncpg.Connection, alert_ids: list[int], base_url: str, today: date | None = None
) -> list[AlertView]:
    today = today or london_today()
    rows = await conn.fetch(ALERT_VIEWS, alert_ids)
    views: list[AlertView] = []
    for start in range(0, len(rows), VIEWS_AT_A_TIME):
        views += [describe(row, base_url, today) for row in rows[start : start + VIEWS_AT_A_TIME]]
        # a claim of thousands takes tens of milliseconds to describe: let the sending
        # lanes answer their mail server in between, so it is never left waiting
        await asyncio.sleep(0)
    return views


def subject_line(recipient: Recipient) -> str:
    counts: dict[str, int] = {}
    for alert in recipient.alerts:
        counts[alert.kind] = counts.get(alert.kind, 0) + 1
    urgent = counts.get("safeguarding_concern", 0) + counts.get("request_overdue", 0)
    lead = "Action needed: " if urgent else ""
    return f"{lead}Crosscheck: {plural(len(recipient.alerts), 'alert')} for {recipient.name}"


def sections(alerts: list[AlertView]) -> list[tuple[str, list[AlertView]]]:
    grouped = [
        (heading, [a for a in alerts if a.kind == kind]) for kind, heading in SECTIONS.items()
    ]
    return [(heading, items) for heading, items in grouped if items]


def compose(
    recipient: Recipient, base_url: str, message_id: str, now: datetime | None = None
) -> Email:
    """The email for one recipient authority's batch of alerts."""
    title = f"Crosscheck: {plural(len(recipient.alerts), 'alert')} for {recipient.name}"
    grouped = sections(recipient.alerts)
    sent_on = long_date(london_today(now))
    alerts_url = f"{base_url}/alerts"
    return Email(
        to=recipient.alert_email or "",
        subject=subject_line(recipient),
        text=text_body(title, sent_on, grouped, alerts_url),
        html=html_body(title, sent_on, grouped, alerts_url),
        message_id=message_id,
        headers={"X-Crosscheck-Alerts": ", ".join(str(a.id) for a in recipient.alerts)},
    )
