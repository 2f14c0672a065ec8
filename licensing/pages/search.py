"""Searching the register, and a driver's record (officers only; always audited).

The search is a POST form (it writes the audit log, so it carries the CSRF token like every
other form) and answers with the results on the same page. Its checks are the API's
(licensing.api.search), and so are the registry functions it calls.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.api import search as search_api
from licensing.pages.forms import Form, read_form
from licensing.pages.render import LABELS, Conn, page
from registry import history, records, search
from registry.audit import PURPOSES, Enquirer
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
MAX_ID = 2**63 - 1
BANNERS = {
    "licence": "The licence has been changed.",
    "entry": "The register entry has been saved.",
    "name": "The name has been added: searches under it now find this driver.",
    "driver": "The driver's details have been saved.",
}


def check_enquiry(form: Form) -> None:
    """Purpose and case reference, by the API's rules (one place for them)."""
    for error in search_api.purpose_errors(form.get("purpose") or None, form.get("case_reference")):
        # the API lists the codes a caller may send; the page offers them as radios
        message = "Select why you are searching" if error.field == "purpose" else error.message
        form.add_error(error.field, message)


def _search_page(request: Request, form: Form, *, outcome=None, status_code: int = 200) -> Response:
    form.fields = SEARCH_FIELDS
    return page(
        "search.html",
        request,
        status_code=status_code,
        title="Search the register",
        form=form,
        purposes=PURPOSE_OPTIONS,
        outcome=outcome,
        results=outcome.matches if outcome else [],
        enquiry={"purpose": form.get("purpose"), "case_reference": form.get("case_reference")},
    )


@get("/search", guards=[auth.officer])
async def search_form(request: Request) -> Response:
    form = Form(
        {
            key: [value]
            for key, value in request.query_params.items()
            if key in ("purpose", "case_reference")
        }
    )
    return _search_page(request, form)


@post("/search", guards=[auth.officer])
async def run_search(request: Request, conn: Conn) -> Response:
    form = await read_form(request)
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
            if problem := search_api.name_error(field, form.get(field), field):
                form.add_error(field, problem.message)
        born = form.date("date_of_birth", "Date of birth", past=True)
    if not form.ok:
        return _search_page(request, form, status_code=400)

    principal = request.user
    enquirer = Enquirer(
        principal.user_id, principal.authority_id, form.get("purpose"), form.get("case_reference")
    )
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
    return _search_page(request, form, outcome=outcome)


@get("/drivers/{driver_id:int}", guards=[auth.officer])
async def driver_page(request: Request, conn: Conn, driver_id: FromPath[int]) -> Response:
    """The record, once the officer has said why they are opening it (it is logged)."""
    if not 0 < driver_id <= MAX_ID:
        raise NotFoundException()
    form = Form(
        {
            key: [value]
            for key, value in request.query_params.items()
            if key in ("purpose", "case_reference")
        }
    )
    form.fields = ["purpose", "case_reference"]
    if not form.values:
        return page(
            "driver_purpose.html",
            request,
            title="Why are you opening this record?",
            form=form,
            purposes=PURPOSE_OPTIONS,
            driver_id=driver_id,
        )
    check_enquiry(form)
    if not form.ok:
        return page(
            "driver_purpose.html",
            request,
            status_code=400,
            title="Why are you opening this record?",
            form=form,
            purposes=PURPOSE_OPTIONS,
            driver_id=driver_id,
        )
    principal = request.user
    enquirer = Enquirer(
        principal.user_id, principal.authority_id, form.get("purpose"), form.get("case_reference")
    )
    record = await records.driver_record(conn, driver_id, enquirer)
    if record is None:
        raise NotFoundException()
    return page(
        "driver.html",
        request,
        title=f"{record.forenames} {record.surname}",
        record=record,
        enquiry=enquirer,
        history=await history.driver_history(conn, driver_id),
        banner=BANNERS.get(request.query_params.get("done")),
        back_href=f"/search?purpose={enquirer.purpose}",
    )


ROUTES = [search_form, run_search, driver_page]
