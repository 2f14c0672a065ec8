"""Words for the register's codes, in one place: the pages, the alert emails, the CSV files
and the API's descriptions all take them from here.

LABELS names each code as officers say it (a purpose, a category of relevant information, a
decision, a licence kind, a status, a reply, a role). DECISION_EVENTS says what happened to a
licence when a decision is news (an alert's title): "Licence revoked" rather than "Revoked".
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "purpose": {
        "new_application": "New application",
        "renewal": "Renewal",
        "s5_investigation": "Looking into information reported under section 5",
        "enforcement": "Enforcement",
        "other": "Other",
    },
    "category": {
        "sexual_offence": "Sexual offence",
        "harassment": "Harassment",
        "harm": "Caused physical or psychological harm",
        "offence_risk_of_harm": "Offence with a risk of harm",
        "equality_act": "Discrimination, harassment or victimisation (Equality Act 2010)",
        "road_safety": "Road safety",
    },
    "decision": {
        "refused": "Refused a new licence",
        "refused_renewal": "Refused a renewal",
        "suspended": "Suspended",
        "revoked": "Revoked",
    },
    "kind": {
        "hackney_carriage": "Hackney carriage driver",
        "private_hire": "Private hire driver",
        "dual": "Dual (hackney carriage and private hire) driver",
    },
    "status": {
        "in_force": "In force",
        "appeal_allowed": "Appeal allowed",
        "reinstated": "Reinstated",
        "later_granted": "Later granted",
        "withdrawn": "Withdrawn",
        "current": "Current",
    },
    "reply": {
        "no_action": "No action",
        "warning": "Warning",
        "suspended": "Suspended",
        "revoked": "Revoked",
        "other": "Other",
    },
    "role": {
        "licensing_officer": "Licensing officer",
        "dpo": "Data protection officer",
        "dft_analyst": "Department for Transport analyst",
        "admin": "Administrator",
    },
    "sex": {"F": "Female", "M": "Male"},
    "name_kind": {"current": "Current name", "former": "Former name", "alias": "Also known as"},
    # a licence's later changes, offered to an officer as what to do
    "licence_action": {
        "renewed": "Renew it",
        "suspended": "Suspend it",
        "reinstated": "Reinstate it",
        "revoked": "Revoke it",
        "surrendered": "Record that it was surrendered",
        "expired": "Record that it has expired",
    },
    # an information request's answer, offered to the officer answering it
    "answer": {"granted": "Give the information", "refused": "Refuse, with reasons"},
    # a register entry's later status, as a change to record
    "entry_change": {
        "in_force": "In force again",
        "appeal_allowed": "Appeal allowed",
        "reinstated": "Reinstated",
        "later_granted": "Later granted a licence",
        "withdrawn": "Withdrawn",
    },
}


DECISION_EVENTS = {
    "refused": "Licence refused",
    "refused_renewal": "Renewal refused",
    "suspended": "Licence suspended",
    "revoked": "Licence revoked",
}


def label(family: str, code: str | None, default: str = "") -> str:
    """The words for a code of a family; `default` for an unknown or missing code."""
    return LABELS.get(family, {}).get(code or "", default)
