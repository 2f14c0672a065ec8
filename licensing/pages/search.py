"""Searching the register, and a driver's record (officers only; always audited).

The search is a POST form (it writes the audit log, so it carries the CSRF token like every
other form) and answers with the results on the same page. Its checks are the API's.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.api import search as search_api
from licensing.pages.forms import Form, read_form
from licensing.pages.render import LABELS, Conn, page
from registry import records, search
from registry.identifiers import IdentifierError

PURPOSES = [(code, LABELS["purpose"][code]) for code in search.PURPOSES]
NAME_FIELDS = ("forenames", "surname", "date_of_birth-day", "date_of_birth-month", "date_of_birth-year")


def _search_page(request: Request, form: Form, *, outcome=None, results=(), enquiry=None,
                 status_code: int = 200) -> Response:
    return page("search.html", request, status_code=status_code, title="Search the register",
                form=form, purposes=PURPOSES, outcome=outcome, results=list(results),
                enquiry=enquiry)


@get("/search", guards=[auth.officer])
async def search_form(request: Request) -> Response:
    form = Form({key: [value] for key, value in request.query_params.items()
                 if key in ("purpose", "case_reference")})
    return _search_page(request, form)


def check_enquiry(form: Form) -> search.Enquirer | None:
    """Purpose and case reference, as the API checks them (one place for the rules)."""
    for error in search_api._purpose_errors(form.get("purpose") or None, form.get("case_reference")):
        form.add_error(error.field, _purpose_message(error))
    return None


def _purpose_message(error) -> str:
    # The API lists the codes an API caller may send; the page offers them as radios.
    return "Select why you are searching" if error.field == "purpose" else error.message


@post("/search", guards=[auth.officer])
async def run_search(request: Request, conn: Conn) -> Response:
    form = await read_form(request)
    check_enquiry(form)
    identifier = form.get("identifier")
    by_name = any(form.get(name) for name in NAME_FIELDS)
    if identifier and by_name:
        form.add_error("identifier", "Search by a licence or National Insurance number, or by name "
                                     "and date of birth, not both at once")
    elif not identifier and not by_name:
        form.add_error("identifier", "Enter a licence or National Insurance number, or the "
                                     "driver's forenames, surname and date of birth")
    born = None
    if by_name and not identifier:
        for field in ("forenames", "surname"):
            if problem := search_api._name_error(field, form.get(field), field):
                form.add_error(field, problem.message)
        born = form.date("date_of_birth", "Date of birth", past=True)
    if not form.ok:
        return _search_page(request, form, status_code=400)

    principal = request.user
    enquirer = search.Enquirer(principal.user_id, principal.authority_id, form.get("purpose"),
                               form.get("case_reference"))
    try:
        if identifier:
            outcome = await search.search_by_identifier(conn, identifier, enquirer=enquirer)
        else:
            outcome = await search.search_by_name(conn, form.get("forenames"), form.get("surname"),
                                                  born, enquirer=enquirer)
    except IdentifierError as exc:
        form.add_error("identifier", exc.message)
        return _search_page(request, form, status_code=400)
    summaries = await records.driver_summaries(conn, [m.driver_id for m in outcome.matches])
    results = [{"match": m, "driver": d} for m, d in zip(outcome.matches, summaries)]
    return _search_page(request, form, outcome=outcome, results=results, enquiry=enquirer)


ROUTES = [search_form, run_search]
