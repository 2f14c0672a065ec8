"""Searching the register, and a driver's record (officers only; always audited).

The search is a GET form: its criteria, purpose and case reference are in the address, so the
browser's Back from a record returns to the same results, and the "Back to search results"
link can lead there too. Each time the results are shown the search runs again and is audited
again, with its purpose and case reference (the officer has seen the results again). A search
arriving from another site (Sec-Fetch-Site: cross-site) is not run: the filled-in form asks
the officer to press Search, so a link elsewhere can never make an audited search in an
officer's name. Its checks are the API's (registry.audit_log.purpose_errors,
registry.fields.name_error), and so are the registry functions it calls.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup, escape

from alerts import inbox
from licensing import auth
from licensing.auth import actor_of
from licensing.limits import count_use
from licensing.pages import identity_proposals
from licensing.pages.forms import Form
from licensing.pages.render import LABELS, Conn, page
from licensing.pages.visit import SEARCH_RESULTS, visit_of, visit_query
from registry import drivers, duplicates, history, records, search
from registry.audit_log import PURPOSES, Enquirer, purpose_errors
from registry.authorities import name_of
from registry.entries import entry_number
from registry.fields import name_error
from registry.identifiers import IdentifierError

PURPOSE_OPTIONS = [(code, LABELS["purpose"][code]) for code in PURPOSES]
NAME_FIELDS = (
    "forenames",
    "surname",
    "date_of_birth-day",
    "date_of_birth-month",
    "date_of_birth-year",
)
SEARCH_FIELDS = ["purpose", "case_reference", "identifier", "forenames", "surname", "date_of_birth"]
SEARCH_INPUTS = ("purpose", "case_reference", "identifier", *NAME_FIELDS)
MAX_ID = 2**63 - 1
# What each write from a record says when it returns there ({ref}: the register entry number).
BANNERS = {
    "licence": ("Licence change recorded", ""),
    "licence_granted": ("Licence recorded", "Other authorities that need to know are alerted."),
    "entry": (
        "Register decision recorded",
        "Its register entry number is {ref}. Quote it when you write to anyone about it.",
    ),
    "entry_changed": (
        "Change to register entry {ref} recorded",
        "Authorities that asked about this entry are told of the change.",
    ),
    "name": ("Name added", "Searches under this name now find this driver."),
    "driver": ("Driver's details changed", ""),
}


def banner(request: Request, alerted_home: str | None = None) -> Markup | None:
    """The notification banner for ?done=...&ref=... after a write, if any.

    alerted_home: the driver's home authority when it is not the officer's, so a new licence
    tells the officer who is alerted (out of area), as the licence's own page does."""
    done = request.query_params.get("done") or ""
    found = BANNERS.get(done)
    if found is None:
        return None
    ref = request.query_params.get("ref") or ""
    ref = entry_number(int(ref)) if ref.isdigit() and len(ref) < 19 else ""
    heading, text = (part.format(ref=ref) for part in found)
    if done == "licence_granted" and alerted_home:
        text = f"{alerted_home} will be alerted, because the driver lives in its area."
    html = f'<h3 class="govuk-notification-banner__heading">{escape(heading)}</h3>'
    if text:
        html += f'<p class="govuk-body">{escape(text)}</p>'
    return Markup(html)


def check_enquiry(form: Form) -> None:
    """Purpose and case reference, by the API's rules (one place for them)."""
    for field, message in purpose_errors(form.get("purpose") or None, form.get("case_reference")):
        # the API lists the codes a caller may send; the page offers them as radios
        form.add_error(field, "Select why you are searching" if field == "purpose" else message)


def _search_page(
    request: Request,
    form: Form,
    *,
    outcome=None,
    linked=None,
    status_code: int = 200,
    from_elsewhere: bool = False,
) -> Response:
    form.fields = SEARCH_FIELDS
    results_url = f"{request.url.path}?{request.url.query}#results" if outcome else ""
    return page(
        "search.html",
        request,
        status_code=status_code,
        title="Search the register",
        form=form,
        purposes=PURPOSE_OPTIONS,
        outcome=outcome,
        results=outcome.matches if outcome else [],
        linked=linked or {},
        enquiry={"purpose": form.get("purpose"), "case_reference": form.get("case_reference")},
        results_url=results_url,
        from_elsewhere=from_elsewhere,
    )


@get("/search", guards=[auth.officer])
async def search_page(request: Request, conn: Conn) -> Response:
    """The form; with searched=yes in the address, the search and its results as well."""
    params = request.query_params
    form = Form({key: [params[key]] for key in SEARCH_INPUTS if params.get(key)})
    if params.get("searched") != "yes":
        return _search_page(request, form)
    if request.headers.get("sec-fetch-site") == "cross-site":
        # a link from another site: show what it asked for, but search only when the
        # officer presses the button themselves
        return _search_page(request, form, from_elsewhere=True)
    check_enquiry(form)
    identifier = form.get("identifier")
    by_name = any(form.get(name) for name in NAME_FIELDS)
    if identifier and by_name:
        form.add_error(
            "identifier",
            "Search by a licence or National Insurance number, or by name "
            "and date of birth, not both at once",
        )
    elif not identifier and not by_name:
        form.add_error(
            "identifier",
            "Enter a licence or National Insurance number, or the "
            "driver's forenames, surname and date of birth",
        )
    born = None
    if by_name and not identifier:
        for field in ("forenames", "surname"):
            if message := name_error(form.get(field), field):
                form.add_error(field, message)
        born = form.date("date_of_birth", "Date of birth", past=True)
    if not form.ok:
        return _search_page(request, form, status_code=400)

    principal = request.user
    enquirer = Enquirer(
        principal.user_id, principal.authority_id, form.get("purpose"), form.get("case_reference")
    )
    await count_use(request, conn, "search")
    try:
        if identifier:
            outcome = await search.search_by_identifier(conn, identifier, enquirer=enquirer)
        else:
            outcome = await search.search_by_name(
                conn, form.get("forenames"), form.get("surname"), born, enquirer=enquirer
            )
    except IdentifierError as exc:
        form.add_error("identifier", exc.message)
        return _search_page(request, form, status_code=400)
    # a person whose records were confirmed one ("same person") is shown with the others
    found = [m.driver.driver_id for m in outcome.matches]
    return _search_page(
        request, form, outcome=outcome, linked=await duplicates.linked_records(conn, found)
    )


FROM_ALERT = {
    # the purpose that fits opening a record from an alert of this kind
    "safeguarding_concern": "s5_investigation",
}


async def _from_alert(conn, request: Request, driver_id: uuid.UUID) -> dict[str, list[str]]:
    """Opening a record from one of the authority's alerts: a fitting purpose, and the alert
    reference as the case (the officer may change either)."""
    alert = request.query_params.get("alert") or ""
    if not alert.isdigit() or len(alert) > 18:
        return {}
    kind = await inbox.kind_about(conn, request.user.authority_id, int(alert), driver_id)
    if kind is None:
        return {}
    return {"purpose": [FROM_ALERT.get(kind, "enforcement")], "case_reference": [f"Alert A{alert}"]}


def _purpose_page(
    request: Request,
    form: Form,
    driver_id: uuid.UUID,
    status_code: int = 200,
    *,
    from_elsewhere: bool = False,
):
    return page(
        "driver_purpose.html",
        request,
        status_code=status_code,
        title="Why are you opening this record?",
        form=form,
        purposes=PURPOSE_OPTIONS,
        driver_id=driver_id,
        banner=banner(request),
        done=request.query_params.get("done") or "",
        ref=request.query_params.get("ref") or "",
        back=_back_to_results(request),
        from_elsewhere=from_elsewhere,
    )


def _home_elsewhere(record, authority_id: int | None) -> str | None:
    home = record.home_authority
    return home.name if home is not None and home.id != authority_id else None


def _back_to_results(request: Request) -> str:
    back = request.query_params.get("back") or ""
    return back if back.startswith(SEARCH_RESULTS) and len(back) <= 2000 else ""


@get("/drivers/{driver_id:uuid}", guards=[auth.officer])
async def driver_page(request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]) -> Response:
    """The record, once the officer has said why they are opening it (it is logged)."""
    form = Form(
        {
            key: [value]
            for key, value in request.query_params.items()
            if key in ("purpose", "case_reference")
        }
    )
    form.fields = ["purpose", "case_reference"]
    if not form.values:
        form = Form(await _from_alert(conn, request, driver_id))
        form.fields = ["purpose", "case_reference"]
        return _purpose_page(request, form, driver_id)
    check_enquiry(form)
    if not form.ok:
        return _purpose_page(request, form, driver_id, 400)
    # A link from another website (Sec-Fetch-Site: cross-site or same-site) never opens a
    # record: the officer sees the purpose form filled in, and opens it from this site.
    if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return _purpose_page(request, form, driver_id, from_elsewhere=True)
    principal = request.user
    enquirer = Enquirer(
        principal.user_id, principal.authority_id, form.get("purpose"), form.get("case_reference")
    )
    await count_use(request, conn, "record_open")
    key = await drivers.driver_key(conn, driver_id)
    record = await records.driver_record(conn, key, enquirer) if key is not None else None
    if record is None:
        raise NotFoundException()
    visit = visit_of(request)
    return page(
        "driver.html",
        request,
        title=f"{record.forenames} {record.surname}",
        record=record,
        enquiry=enquirer,
        history=await history.driver_history(conn, key),
        linked=(await duplicates.linked_records(conn, [record.driver_id])).get(
            record.driver_id, []
        ),
        banner=banner(request, _home_elsewhere(record, principal.authority_id)),
        visit=visit_query(request),
        back_href=visit.get("back") or f"/search?purpose={enquirer.purpose}",
        back_text="Back to search results" if visit.get("back") else "Back to search",
        printed_at=datetime.now(UTC),
        printed_for=await name_of(conn, principal.authority_id),
        **await identity_proposals.on_record(conn, actor_of(request), key),
    )
