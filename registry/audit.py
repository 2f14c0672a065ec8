"""Who is asking and why: every search and every record opened is written to audit_log.

Purpose and case reference are required (docs/domain.md, data protection): the log answers who
looked at whom, when, and for which case, without holding any personal data itself.
"""

from __future__ import annotations

import msgspec

from registry.fields import has_control

PURPOSES = ("new_application", "renewal", "s5_investigation", "enforcement", "other")


class Enquirer(msgspec.Struct, frozen=True):
    """The officer, their authority, the purpose (one of PURPOSES) and the case reference."""

    user_id: int | None
    authority_id: int | None
    purpose: str
    case_reference: str


def purpose_errors(purpose: str | None, case_reference: str | None) -> list[tuple[str, str]]:
    """(field, message) for a missing or wrong purpose or case reference (API and pages)."""
    errors = []
    if not purpose or purpose not in PURPOSES:
        errors.append(("purpose", "Choose the purpose of the search: " + ", ".join(PURPOSES)))
    reference = (case_reference or "").strip()
    if not reference:
        errors.append(("case_reference", "Enter the case reference"))
    elif len(reference) > 60:
        errors.append(("case_reference", "The case reference must be 60 characters or fewer"))
    elif has_control(reference):
        errors.append(
            ("case_reference", "The case reference can only contain printable characters")
        )
    return errors
