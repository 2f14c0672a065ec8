"""The audit log for a data protection officer: their authority's rows, filtered, with a CSV
download (the export is itself logged)."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Request, Response, get

from licensing import auth
from licensing.auth import actor_of
from licensing.exports import audit_log_csv
from licensing.pages.forms import Form
from licensing.pages.render import Conn, page
from registry import audit_log

PAGE_SIZE = 50
ACTIONS = [
    ("flagged", "Flagged for the data protection officer"),
    ("search", "Searches"),
    ("view_driver", "Records opened"),
    ("view", "Other reading of personal data (forms, concerns, requests, lists)"),
    ("change", "Changes to the register"),
    ("export", "Exports of this log"),
]
FILTER_KEYS = ("from-day", "from-month", "from-year", "to-day", "to-month", "to-year", "action")


def read_filter(request: Request) -> tuple[Form, audit_log.AuditFilter | None]:
    form = Form({key: [value] for key, value in request.query_params.items() if key in FILTER_KEYS})
    if request.query_params.get("flagged") == "yes":  # the link in the officer's alert email
        form.values["action"] = ["flagged"]
    form.fields = ["from", "to", "action"]
    start = form.date("from", "The first day", required=False, past=True)
    end = form.date("to", "The last day", required=False)
    if start and end and end < start:
        form.add_error("to", "The last day must be the same as or after the first day", "to-day")
    action = form.get("action") or None
    if action and action not in dict(ACTIONS):
        form.add_error("action", "Select which actions to show")
    if not form.ok:
        return form, None
    return form, audit_log.AuditFilter(start, end, action, None)


def _query(form: Form, **extra) -> str:
    pairs = {key: form.get(key) for key in FILTER_KEYS if form.get(key)}
    pairs.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(pairs)


@get("/audit", guards=[auth.dpo])
async def audit_page(request: Request, conn: Conn) -> Response:
    form, where = read_filter(request)
    rows = []
    older = None
    if where is not None:
        before = request.query_params.get("before")
        before_id = int(before) if before and before.isdigit() and len(before) < 19 else None
        rows = await audit_log.entries(
            conn, request.user.authority_id, where, before_id=before_id, limit=PAGE_SIZE
        )
        if len(rows) == PAGE_SIZE:
            older = "/audit?" + _query(form, before=rows[-1].id)
    return page(
        "audit.html",
        request,
        status_code=200 if form.ok else 400,
        title="Audit log",
        form=form,
        rows=rows,
        actions=ACTIONS,
        older=older,
        csv_href="/audit.csv?" + _query(form),
    )


@get("/audit.csv", guards=[auth.dpo])
async def audit_download(request: Request, conn: Conn) -> Response:
    _form, where = read_filter(request)
    if where is None:  # the page showed the same errors before offering the link
        where = audit_log.AuditFilter()
    return await audit_log_csv(request.app.state, conn, actor_of(request), where)
