"""An officer's visit to a record: why they opened it (purpose and case reference) and the
search results they came from, carried in the query string from page to page.

A write started from a record (a licence change, a register decision, another name) keeps
the visit in its form's address, so it returns to the same record, opened for the same
purpose and case, with a banner saying what was recorded; and the record's back link still
leads to the same results.
"""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request

from registry.audit_log import PURPOSES

SEARCH_RESULTS = "/search?"


def visit_of(request: Request) -> dict[str, str]:
    """The visit in this request's query string: {} unless its purpose and case are valid."""
    params = request.query_params
    purpose = params.get("purpose") or None
    case_reference = (params.get("case_reference") or "").strip()
    if purpose not in PURPOSES or not 0 < len(case_reference) <= 60:
        return {}
    if not case_reference.isprintable():
        return {}
    visit = {"purpose": purpose, "case_reference": case_reference}
    back = params.get("back") or ""
    if back.startswith(SEARCH_RESULTS) and len(back) <= 2000:
        visit["back"] = back
    return visit


def with_visit(path: str, request: Request, **extra: object) -> str:
    """path with the request's visit (and any extra parameters) as its query string."""
    params = {**visit_of(request), **{k: str(v) for k, v in extra.items() if v is not None}}
    return f"{path}?{urlencode(params)}" if params else path


def visit_query(request: Request) -> str:
    """The visit alone, for links in templates: 'purpose=...&case_reference=...'."""
    return urlencode(visit_of(request))
