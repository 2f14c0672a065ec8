"""The alert email: one per recipient authority per batch, grouped by kind, most urgent first.
Each alert says what happened, what the council must do and by when, the register entry
number, and one route to more: the record in the service, after signing in.

What an alert shows is kept minimal. By default no name, date of birth or other personal data
travels by email ("sign in to see"): an authority may choose a one-line identity (name and date
of birth) with `authority.alert_identity`; the SQL selects a name only for those. Never
narrative, reasons, categories of relevant information or addresses: those are released to
another authority only through a recorded information request, inside the service.

Two forms of the same content: plain text and HTML for SMTP, and GOV.UK Notify's own
formatting (headings, bullets, inset text) for the placeholders of its template
(alerts/notify_template.txt).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import asyncpg

from alerts.email_body import EmailContent, footer, html_body, notify_personalisation, text_body
from alerts.transports import Email
from registry.entries import entry_number
from registry.identity_proposals import FIELD_WORDS
from registry.labels import DECISION_EVENTS, LABELS
from registry.today import london_today
from registry.workdays import working_days_between

# Headings in the order a council should read them: the most urgent first.
SECTIONS = {
    "safeguarding_concern": "Safeguarding concerns reported to you (s.5)",
    "register_decision": "Decisions entered on the register",
    "licence_revoked": "Licences revoked by other authorities",
    "licence_suspended": "Licences suspended by other authorities",
    "rescreen_match": "Drivers you license who may be recorded under another record",
    "decision_changed": "Changes to register entries",
    "request_overdue": "Information requests now overdue (s.3)",
    "request_due_soon": "Information requests due within 5 working days (s.3)",
    "information_request": "Information requests received (s.3)",
    "out_of_area_licence": "Your residents licensed by other authorities",
    "resident_moved": "Licensed drivers who have moved into your area",
    "access_flagged": "Officers' use of the register to look at (data protection)",
    "identity_changed": "Drivers whose name, date of birth or identifiers changed",
    "identity_proposed": "Changes to drivers' identity details proposed for you to decide",
}

# Alerts for the authority's data protection officer, sent to its dpo_email, never to the
# licensing team's address: they are about the officers themselves.
DPO_KINDS = frozenset({"access_flagged"})
DPO_PAGE = "/audit?flagged=yes"

# The register's codes in words: registry/labels.py, the same as the pages say them.
LICENCE_KINDS = LABELS["kind"]
DECISIONS = DECISION_EVENTS
ENTRY_STATUSES = LABELS["status"]


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
# categories or addresses are selected, so none can leak into a template. The name and date of
# birth only when $2 (a signed-in page) or the recipient authority chose an identity line.
ALERT_VIEWS = """
SELECT a.id, a.kind, a.recipient_authority_id, a.request_id,
       e.kind AS event_kind, d.public_id AS driver_id,
       ($2::boolean OR rcp.alert_identity) AS identified,
       CASE WHEN $2::boolean OR rcp.alert_identity THEN d.forenames END AS forenames,
       CASE WHEN $2::boolean OR rcp.alert_identity THEN d.surname END AS surname,
       CASE WHEN $2::boolean OR rcp.alert_identity THEN d.date_of_birth END AS date_of_birth,
       l.kind AS licence_kind, l.granted_on, l.starts_on, l.expires_on,
       la.name AS licence_authority,
       CASE WHEN e.kind LIKE 'licence\\_%' THEN e.detail ->> 'effective_on' END AS licence_effective_on,
       re.id AS entry_id, re.decision, re.licence_kind AS entry_licence_kind, re.decided_on,
       re.effective_on AS entry_effective_on, re.status AS entry_status, re.status_changed_on,
       ra.name AS entry_authority,
       c.id AS concern_id, c.became_aware_on, c.reported_on, c.report_due_on,
       ca.name AS concern_reporter, cl.kind AS concern_licence_kind,
       r.case_reference, r.requested_on, r.due_on, rq.name AS requesting_authority,
       mf.name AS moved_from, moved.licences,
       fl.id AS flag_id, fl.action AS flag_action, fl.user_id AS flag_user_id,
       fl.detail ->> 'kind' AS flag_kind, fl.detail ->> 'used_this_hour' AS flag_used,
       fl.detail ->> 'limit' AS flag_limit,
       a.duplicate_id, pair.match_probability, pair.match_evidence, pair.match_entries,
       pair.match_licences,
       ia.name AS changed_by, e.detail -> 'identity' AS identity_fields,
       a.proposal_id, pa.name AS proposed_by,
       (SELECT jsonb_agg(k) FROM jsonb_object_keys(ip.changes) AS k) AS proposal_fields
FROM alert a
JOIN authority rcp ON rcp.id = a.recipient_authority_id
LEFT JOIN register_event e ON e.id = a.event_id
LEFT JOIN audit_log fl ON fl.id = a.audit_id
LEFT JOIN identity_proposal ip ON ip.id = a.proposal_id
LEFT JOIN authority pa ON pa.id = ip.proposed_by_authority_id
LEFT JOIN driver d ON d.id = coalesce(e.driver_id, ip.driver_id)
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
LEFT JOIN authority ia ON a.kind = 'identity_changed' AND ia.id = e.authority_id
LEFT JOIN authority mf ON a.kind = 'resident_moved' AND mf.id = (e.detail ->> 'from_authority_id')::integer
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('kind', ml.kind, 'authority', ma.name,
                                      'starts_on', ml.starts_on, 'expires_on', ml.expires_on)
                    ORDER BY ma.name, ml.starts_on) AS licences
    FROM licence ml JOIN authority ma ON ma.id = ml.authority_id
    WHERE a.kind = 'resident_moved' AND ml.driver_id = e.driver_id
      AND ml.status IN ('current', 'suspended') AND ml.authority_id <> a.recipient_authority_id
) moved ON true
LEFT JOIN LATERAL (
    -- a re-screening match: the evidence (levels and weights, never names) and what the two
    -- records hold on the register, never whose they are
    SELECT p.probability AS match_probability, p.evidence AS match_evidence,
           (SELECT json_agg(json_build_object('decision', x.decision, 'authority', xa.name,
                                              'decided_on', x.decided_on)
                            ORDER BY x.decided_on, x.id)
            FROM register_entry x JOIN authority xa ON xa.id = x.authority_id
            WHERE x.driver_id IN (p.driver_a, p.driver_b) AND x.status = 'in_force'
           ) AS match_entries,
           (SELECT json_agg(json_build_object('kind', y.kind, 'authority', ya.name,
                                              'status', y.status) ORDER BY ya.name, y.id)
            FROM licence y JOIN authority ya ON ya.id = y.authority_id
            WHERE y.driver_id IN (p.driver_a, p.driver_b) AND y.status IN ('current', 'suspended')
           ) AS match_licences
    FROM possible_duplicate p WHERE p.id = a.duplicate_id
) pair ON true
WHERE a.id = ANY($1::bigint[])
ORDER BY a.id
"""

SIGN_IN_TO_SEE = "Not sent by email: sign in to Crosscheck to see"


@dataclass(frozen=True)
class AlertView:
    """One alert as a council reads it: what happened (the title), what to do and by when
    (the note and due date), the facts and the links."""

    id: int
    kind: str
    recipient_authority_id: int
    title: str
    facts: list[tuple[str, str]]
    record_url: str
    acknowledge_url: str
    note: str = ""
    headline: str = ""  # the alert in a subject line: what to do and by when
    due_on: date | None = None
    identified: bool = False  # its facts name the driver


@dataclass
class Recipient:
    id: int
    name: str
    alert_email: str | None
    alerts: list[AlertView] = field(default_factory=list)
    audience: str = "officers"  # or "dpo": the data protection officer (DPO_KINDS)


@dataclass(frozen=True)
class Described:
    title: str  # what happened
    facts: list[tuple[str, str]]
    action: str  # what the reader must do, and by when
    headline: str  # the same for a subject line
    due_on: date | None = None


def record_path(row: asyncpg.Record) -> str:
    """Where the record behind an alert lives in the service."""
    kind = row["kind"]
    if kind in DPO_KINDS:
        return DPO_PAGE
    if kind == "safeguarding_concern":
        return f"/concerns/{row['concern_id']}"
    if kind in ("information_request", "request_due_soon", "request_overdue"):
        return f"/requests/{row['request_id']}"
    if kind in ("register_decision", "decision_changed"):
        return f"/entries/{row['entry_id']}"
    if kind == "rescreen_match":
        return f"/duplicates/{row['duplicate_id']}"
    if kind == "identity_proposed":
        return f"/identity-proposals/{row['proposal_id']}"
    return f"/drivers/{row['driver_id']}"


def acknowledge_path(alert_id: int) -> str:
    # a page that asks the signed-in officer to confirm; no secret in the link
    return f"/alerts/{alert_id}/acknowledge"


def _identity(row: asyncpg.Record, signed_in: bool) -> list[tuple[str, str]]:
    if row["driver_id"] is None:
        return []
    if not row["identified"]:
        return [("Driver", SIGN_IN_TO_SEE)]
    if signed_in:
        return [
            ("Driver", f"{row['forenames']} {row['surname']}"),
            ("Date of birth", long_date(row["date_of_birth"])),
        ]
    # the one line an authority may choose to receive by email
    born = long_date(row["date_of_birth"])
    return [("Driver", f"{row['forenames']} {row['surname']}, born {born}")]


def _licence(kind: str | None) -> str:
    return LICENCE_KINDS.get(kind or "", "Driver")


def _tell_if_you_know(authority: str) -> str:
    return (
        f"No action is needed unless you hold information about this driver that "
        f"{authority} should know. If you do, tell them."
    )


def _out_of_area(row: asyncpg.Record, today: date) -> Described:
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
    title = (
        f"{'Licence renewed' if renewed else 'Licence granted'} to a resident of your area "
        f"by {row['licence_authority']}"
    )
    return Described(
        title, facts, _tell_if_you_know(row["licence_authority"]), f"For information: {title}"
    )


CHECK_YOUR_LICENCES = (
    "Check whether this affects a licence you have granted to this driver, or an application "
    "from them, and act on it as your policy requires."
)


def _licence_action(row: asyncpg.Record, today: date) -> Described:
    word = "revoked" if row["kind"] == "licence_revoked" else "suspended"
    facts = [
        ("Licence", _licence(row["licence_kind"])),
        ("Licensing authority", row["licence_authority"]),
        (f"{word.capitalize()} from", long_date(row["licence_effective_on"])),
        ("Licence was valid", f"{long_date(row['starts_on'])} to {long_date(row['expires_on'])}"),
    ]
    title = f"Licence {word} by {row['licence_authority']}"
    return Described(title, facts, CHECK_YOUR_LICENCES, f"Check your licences: {title}")


def _entry_number(row: asyncpg.Record) -> list[tuple[str, str]]:
    return [("Register entry number", entry_number(row["entry_id"]))] if row["entry_id"] else []


def _entry_facts(row: asyncpg.Record) -> list[tuple[str, str]]:
    return _entry_number(row) + [
        ("Decision", DECISIONS.get(row["decision"], row["decision"] or "")),
        ("Licence", _licence(row["entry_licence_kind"])),
        ("Recorded by", row["entry_authority"]),
        ("Decided on", long_date(row["decided_on"])),
        ("Takes effect", long_date(row["entry_effective_on"])),
    ]


def _reasons(row: asyncpg.Record) -> str:
    return (
        f"The reasons are not sent by email: to see them, open the record and ask "
        f"{row['entry_authority']} for them there, quoting entry number "
        f"{entry_number(row['entry_id'])}."
    )


def _register_decision(row: asyncpg.Record, today: date) -> Described:
    title = f"{DECISIONS.get(row['decision'], 'Decision')} by {row['entry_authority']}"
    action = f"{CHECK_YOUR_LICENCES} {_reasons(row)}"
    return Described(title, _entry_facts(row), action, f"Check your licences: {title}")


def _decision_changed(row: asyncpg.Record, today: date) -> Described:
    status = ENTRY_STATUSES.get(row["entry_status"], row["entry_status"] or "")
    facts = _entry_facts(row) + [
        ("Entry now", status),
        ("Changed on", long_date(row["status_changed_on"])),
    ]
    title = f"Register entry by {row['entry_authority']} changed: {status}"
    action = (
        f"Check whether this changes anything you decided relying on the earlier entry. "
        f"{_reasons(row)}"
    )
    return Described(title, facts, action, f"Check your decisions: {title}")


def _concern(row: asyncpg.Record, today: date) -> Described:
    on_time = row["reported_on"] <= row["report_due_on"]
    late = working_days_between(row["report_due_on"], row["reported_on"])
    timing = "Yes" if on_time else f"No: {plural(late, 'working day')} late"
    facts = [
        ("Concern reference", f"C{row['concern_id']}"),
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
    action = (
        f"Consider now whether to suspend or revoke the licence, then tell "
        f"{row['concern_reporter']} what you decided and why (s.6)."
    )
    return Described(
        f"Safeguarding concern reported by {row['concern_reporter']} (s.5)",
        facts,
        action,
        f"Action needed: safeguarding concern (s.5) from {row['concern_reporter']}",
    )


def _request(row: asyncpg.Record, today: date) -> Described:
    kind, due, asker = row["kind"], row["due_on"], row["requesting_authority"]
    facts = _entry_number(row) + [
        ("Requested by", asker),
        ("Their case reference", row["case_reference"]),
        ("Requested on", long_date(row["requested_on"])),
        ("Answer due by (20 working days)", long_date(due)),
        (
            "About your entry",
            f"{DECISIONS.get(row['decision'], '')}, decided on {long_date(row['decided_on'])}",
        ),
    ]
    later = "Tell them too of any later change to the entry (s.3)."
    if kind == "request_overdue":
        late = working_days_between(due, today)
        facts.append(("Overdue by", plural(late, "working day")))
        title = f"Information request from {asker} is overdue (s.3)"
        action = (
            f"Answer now, through Crosscheck: the answer was due by {long_date(due)}, "
            f"{plural(late, 'working day')} ago. {later}"
        )
        headline = f"Overdue since {long_date(due)}: answer an information request from {asker}"
    else:
        left = working_days_between(today, due)
        if kind == "request_due_soon":
            facts.append(("Working days left", str(left)))
            title = f"Information request from {asker} is due soon (s.3)"
        else:
            title = f"Information request from {asker} (s.3)"
        when = (
            f"by {long_date(due)} ({plural(left, 'working day')} left)"
            if left > 0
            else f"today: it is due by {long_date(due)}"
            if left == 0
            else f"now: it was due by {long_date(due)}"
        )
        action = (
            f"Answer through Crosscheck {when}. Grant or refuse the request, giving your "
            f"reasons. {later}"
        )
        headline = f"Answer by {long_date(due)}: information request (s.3) from {asker}"
    return Described(title, facts, action, headline, due)


def _resident_moved(row: asyncpg.Record, today: date) -> Described:
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
    title = "A licensed driver now lives in your area"
    action = _tell_if_you_know("the authorities that license them")
    return Described(title, facts, action, f"For information: {title.lower()}")


FLAG_WORDS = {"record_open": "driver records opened", "search": "searches"}


def _access_flagged(row: asyncpg.Record, today: date) -> Described:
    """No names: the officer by account number, the audit entry by its number."""
    if row["flag_action"] == "bulk_access":
        words = FLAG_WORDS.get(row["flag_kind"], "uses")
        what = f"{row['flag_used']} {words} this hour; the limit is {row['flag_limit']} an hour"
        title = "An officer reached an hourly alert level or limit"
    else:
        what = "Opened a driver record that none of their searches returned"
        title = "An officer opened a record they had not searched for"
    facts = [
        ("What happened", what),
        ("Officer's account", f"U{row['flag_user_id']}"),
        ("Audit entry", str(row["flag_id"])),
    ]
    action = (
        "Look at the officer's entries in the audit log and ask them why, if the reason is not "
        "clear."
    )
    return Described(title, facts, action, f"To look at: {title.lower()}")


def _rescreen_match(row: asyncpg.Record, today: date) -> Described:
    evidence = json.loads(row["match_evidence"]) if row["match_evidence"] else []
    entries = json.loads(row["match_entries"]) if row["match_entries"] else []
    licences = json.loads(row["match_licences"]) if row["match_licences"] else []
    facts = [
        ("Chance they are one person", f"{row['match_probability']:.0%}"),
        (
            "Why",
            "; ".join(f"{e['words']} ({e['weight']:+.1f})" for e in evidence if e["weight"]),
        ),
    ]
    for entry in entries:
        facts.append(
            (
                "On the register",
                f"{DECISIONS.get(entry['decision'], entry['decision'])} by {entry['authority']}, "
                f"decided on {long_date(entry['decided_on'])}",
            )
        )
    for licence in licences:
        state = " (suspended)" if licence["status"] == "suspended" else ""
        facts.append(("Licensed", f"{_licence(licence['kind'])}, {licence['authority']}{state}"))
    title = "A driver you license is probably also recorded under another record"
    action = (
        "Open the match and decide: the same person (the two records are linked) or not this "
        "driver (you will not be told of this match again). If they are the same person, check "
        "your licence against the other record's history and act as your policy requires."
    )
    return Described(title, facts, action, f"Check a possible match: {title.lower()}")


def _field_names(fields: str | list[str] | None) -> list[str]:
    """An alert's identity field names, as JSON text or a list (how the row arrives)."""
    return json.loads(fields) if isinstance(fields, str) else list(fields or [])


def _field_words(names: list[str]) -> str:
    return ", ".join(FIELD_WORDS.get(n, n) for n in names)


def _identity_changed(row: asyncpg.Record, today: date) -> Described:
    facts = [
        ("Changed by", row["changed_by"] or "Not known"),
        ("What changed", _field_words(_field_names(row["identity_fields"]))),
    ]
    title = "Another authority changed a driver's identity details"
    action = (
        "Check your own records of this driver against the register. Old names and old "
        "licence numbers still find the driver in a search, marked as former. If the change "
        "looks wrong, contact the authority that made it."
    )
    return Described(title, facts, action, f"Check your records: {title.lower()}")


def _identity_proposed(row: asyncpg.Record, today: date) -> Described:
    """The proposing authority and the fields, never the values proposed or the reason."""
    facts = [
        ("Proposed by", row["proposed_by"] or "Not known"),
        ("What would change", _field_words(sorted(_field_names(row["proposal_fields"])))),
    ]
    title = "Another authority proposes a change to a driver's identity details"
    action = (
        "Your authority licenses this driver or has a register entry about them, so it decides. "
        "Open the proposal, check it against your records, and accept or reject it with a note."
    )
    return Described(title, facts, action, f"To decide: {title.lower()}")


DESCRIBE: dict[str, Callable[[asyncpg.Record, date], Described]] = {
    "access_flagged": _access_flagged,
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
    "rescreen_match": _rescreen_match,
    "identity_changed": _identity_changed,
    "identity_proposed": _identity_proposed,
}

# Which alert leads the subject line: the first of these, then the earliest deadline.
URGENCY = {
    "access_flagged": 1,
    "request_overdue": 0,
    "safeguarding_concern": 1,
    "request_due_soon": 2,
    "information_request": 3,
    "register_decision": 4,
    "licence_revoked": 4,
    "licence_suspended": 4,
    "rescreen_match": 4,
    "decision_changed": 5,
    "out_of_area_licence": 6,
    "resident_moved": 6,
    "identity_changed": 5,
    "identity_proposed": 4,
}
FOR_INFORMATION = 6


def describe(
    row: asyncpg.Record, base_url: str, today: date, *, signed_in: bool = False
) -> AlertView:
    found = DESCRIBE[row["kind"]](row, today)
    return AlertView(
        id=row["id"],
        kind=row["kind"],
        recipient_authority_id=row["recipient_authority_id"],
        title=found.title,
        facts=_identity(row, signed_in)
        + [(k, v) for k, v in found.facts if v]
        + [("Alert reference", f"A{row['id']}")],
        note=found.action,
        headline=found.headline,
        due_on=found.due_on,
        identified=bool(row["identified"]) and row["driver_id"] is not None,
        record_url=base_url + record_path(row),
        acknowledge_url=base_url
        + (DPO_PAGE if row["kind"] in DPO_KINDS else acknowledge_path(row["id"])),
    )


VIEWS_AT_A_TIME = 250


async def load_views(
    conn: asyncpg.Connection,
    alert_ids: list[int],
    base_url: str,
    today: date | None = None,
    *,
    signed_in: bool = False,
) -> list[AlertView]:
    """The alerts as an email shows them, or (signed_in) as the service's pages do, with the
    driver's name and date of birth."""
    today = today or london_today()
    rows = await conn.fetch(ALERT_VIEWS, alert_ids, signed_in)
    views: list[AlertView] = []
    for start in range(0, len(rows), VIEWS_AT_A_TIME):
        views += [
            describe(row, base_url, today, signed_in=signed_in)
            for row in rows[start : start + VIEWS_AT_A_TIME]
        ]
        # a claim of thousands takes tens of milliseconds to describe: let the sending
        # lanes answer their mail server in between, so it is never left waiting
        await asyncio.sleep(0)
    return views


def _lead(alerts: list[AlertView]) -> AlertView:
    return min(alerts, key=lambda a: (URGENCY[a.kind], a.due_on or date.max, a.id))


def subject_line(recipient: Recipient) -> str:
    """What needs action and by when: the most pressing alert, then how many more."""
    lead = _lead(recipient.alerts)
    more = len(recipient.alerts) - 1
    others = f", and {plural(more, 'other alert')}" if more else ""
    return f"{lead.headline}{others} (Crosscheck, {recipient.name})"


def summary_line(alerts: list[AlertView]) -> str:
    acting = [a for a in alerts if URGENCY[a.kind] < FOR_INFORMATION]
    if not acting:
        return f"{plural(len(alerts), 'alert')} for your information: no action is needed."
    needing = "needs" if len(acting) == 1 else "need"
    line = f"{plural(len(alerts), 'alert')}: {len(acting)} {needing} action."
    due = [a.due_on for a in acting if a.due_on]
    if due:
        line += f" The earliest deadline is {long_date(min(due))}."
    return line


def sections(alerts: list[AlertView]) -> list[tuple[str, list[AlertView]]]:
    grouped = [
        (heading, [a for a in alerts if a.kind == kind]) for kind, heading in SECTIONS.items()
    ]
    return [(heading, items) for heading, items in grouped if items]


def compose(
    recipient: Recipient,
    base_url: str,
    message_id: str,
    now: datetime | None = None,
    *,
    notify: bool = False,
) -> Email:
    """The email for one recipient authority's batch of alerts: plain text and HTML for
    SMTP, or (notify) the placeholders of the GOV.UK Notify template."""
    dpo = recipient.audience == "dpo"
    content = EmailContent(
        title=f"Crosscheck alerts for {'the data protection officer of ' if dpo else ''}"
        f"{recipient.name}",
        sent_on=long_date(london_today(now)),
        summary=summary_line(recipient.alerts),
        sections=sections(recipient.alerts),
        alerts_url=base_url + (DPO_PAGE if dpo else "/alerts"),
        footer=footer(any(a.identified for a in recipient.alerts)),
    )
    subject = subject_line(recipient)
    headers = {"X-Crosscheck-Alerts": ", ".join(str(a.id) for a in recipient.alerts)}
    if notify:
        return Email(
            to=recipient.alert_email or "",
            subject=subject,
            text="",
            html="",
            message_id=message_id,
            headers=headers,
            personalisation=notify_personalisation(subject, content),
        )
    return Email(
        to=recipient.alert_email or "",
        subject=subject,
        text=text_body(content),
        html=html_body(content),
        message_id=message_id,
        headers=headers,
    )
