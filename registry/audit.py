"""Who is asking and why: every search and every record opened is written to audit_log.

Purpose and case reference are required (docs/domain.md, data protection): the log answers who
looked at whom, when, and for which case, without holding any personal data itself.
"""

from __future__ import annotations

import msgspec

PURPOSES = ("new_application", "renewal", "s5_investigation", "enforcement", "other")


class Enquirer(msgspec.Struct, frozen=True):
    """The officer, their authority, the purpose (one of PURPOSES) and the case reference."""

    user_id: int | None
    authority_id: int | None
    purpose: str
    case_reference: str
