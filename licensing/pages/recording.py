"""Recording forms: a driver, a licence grant or change, a register decision and its later
changes, a concern (s.5) and its reply (s.6), an information request (s.3) and its answer.

Each form is read into the registry's own Details struct and handed to the registry function
the API calls, so the checks are the same; their errors land on the form's fields. Nothing is
written unless every check passes (forms.attempt).
"""

from __future__ import annotations

import uuid

import asyncpg
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from licensing import auth
from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages.admin import authority_options
from licensing.pages.forms import Form, FormPage, attempt, read_form
from licensing.pages.render import LABELS, Conn, long_date, page, redirect
from licensing.pages.visit import visit_of, with_visit
from registry import (
    audit_log,
    concerns,
    drivers,
    entries,
    identifiers,
    licences,
    lookups,
    requests,
)
from registry.authorities import name_of, names_by_code
from registry.errors import NotFound
from registry.fields import CATEGORIES, LICENCE_KINDS

MAX_ID = 2**63 - 1
KINDS = [(kind, LABELS["kind"][kind]) for kind in LICENCE_KINDS]
CATEGORY_OPTIONS = [(c, LABELS["category"][c]) for c in CATEGORIES]
DECISIONS = [(d, LABELS["decision"][d]) for d in entries.DECISIONS]
ACTION_WORDS = {
    "renewed": "Renew it",
    "suspended": "Suspend it",
    "reinstated": "Reinstate it",
    "revoked": "Revoke it",
    "surrendered": "Record that it was surrendered",
    "expired": "Record that it has expired",
}
ENTRY_STATUS_WORDS = {
    "in_force": "In force again",
    "appeal_allowed": "Appeal allowed",
    "reinstated": "Reinstated",
    "later_granted": "Later granted a licence",
    "withdrawn": "Withdrawn",
}
REPLIES = [(r, LABELS["reply"][r]) for r in concerns.REPLY_DECISIONS]
ANSWERS = [("granted", "Give the information"), ("refused", "Refuse, with reasons")]


async def driver_or_404(conn, driver_id: uuid.UUID) -> asyncpg.Record:
    """The driver with this public id: `id` is the internal key, `public_id` goes in links."""
    row = await lookups.driver(conn, driver_id)
    if row is None:
        raise NotFoundException()
    return row


def driver_facts(driver) -> list[tuple[str, str]]:
    return [
        ("Driver", f"{driver['forenames']} {driver['surname']}"),
        ("Date of birth", long_date(driver["date_of_birth"])),
        ("Home authority", driver["home_authority"] or "Not known"),
    ]


async def the_driver(request: Request, conn) -> asyncpg.Record:
    """The driver the path names, or the 404 page."""
    return await driver_or_404(conn, request.path_params["driver_id"])


async def own(awaitable):
    """A record of the officer's own authority, or the 404 page (the same for anyone else's)."""
    try:
        return await awaitable
    except NotFound:
        raise NotFoundException() from None


# --- a driver -----------------------------------------------------------------------------

IDENTITY = [
    f.text(
        "forenames",
        "Forenames",
        width="govuk-!-width-two-thirds",
        spellcheck=False,
        heading="Name and date of birth",
    ),
    f.text("surname", "Surname", width="govuk-!-width-two-thirds", spellcheck=False),
    f.date("date_of_birth", "Date of birth", "For example, 17 5 1980"),
    f.radios(
        "sex",
        "Sex, as on the driving licence",
        [("F", "Female"), ("M", "Male")],
        "Optional. It helps check the GB driving licence number",
        inline=True,
    ),
    f.text(
        "gb_licence_number",
        "GB driving licence number",
        "16 characters, for example WALKE805170SJ9AB",
        spellcheck=False,
        heading="Identifiers",
        blank=None,
    ),
    f.text(
        "ni_licence_number",
        "Northern Ireland driving licence number",
        "8 digits, if they have one",
        width="govuk-input--width-10",
        spellcheck=False,
        blank=None,
    ),
    f.text(
        "ni_number",
        "National Insurance number",
        "For example, QQ 12 34 56 C",
        width="govuk-input--width-10",
        spellcheck=False,
        blank=None,
    ),
    f.text(
        "eu_licence_number",
        "EU driving licence number",
        "If the driver holds one",
        spellcheck=False,
        blank=None,
    ),
    f.text(
        "eu_licence_country",
        "Country that issued the EU driving licence",
        "Two letters, for example PL for Poland",
        width="govuk-input--width-3",
        spellcheck=False,
        blank=None,
    ),
    f.textarea("address", "Home address", rows=3),
    f.text(
        "postcode",
        "Postcode",
        width="govuk-input--width-10",
        autocomplete="off",
        spellcheck=False,
        blank=None,
    ),
]


def _home(options: list[tuple[str, str]]) -> f.Field:
    return f.select(
        "home_authority",
        "Home authority",
        options,
        "The licensing authority for the area the driver lives in",
    )


async def _new_driver_fields(conn, request, _) -> list[f.Field]:
    return [*IDENTITY, _home(await authority_options(conn)), f.hidden("search_id")]


async def _new_driver_words(request, conn, _) -> dict:
    return {
        "title": "Record a driver",
        "caption": "Register",
        "back_href": "/search",
        "intro": ["Search the register first: record a driver only when they are not on it yet."],
        "action": "/drivers/new",
        "submit": "Record driver",
    }


NEW_DRIVER = FormPage(
    "/drivers/new",
    fields=_new_driver_fields,
    words=_new_driver_words,
    start=lambda request, _: {"search_id": [request.query_params.get("search_id", "")]},
    save=lambda conn, actor, _, values: drivers.create_driver(
        conn, actor, drivers.DriverDetails(**values)
    ),
    done=lambda request, _, recorded: f"/drivers/{recorded.id}/licences/new?recorded=1",
)


# --- a driver's details change ----------------------------------------------------------------
# The record is shared: any officer may correct it or record a move. A new name keeps the old
# one as a former name; a new home authority tells that authority (resident_moved alerts).


async def _change_driver_fields(conn, request, row) -> list[f.Field]:
    options = await authority_options(conn)
    if row["home_authority_code"] and row["home_authority_code"] not in {
        code for code, _ in options
    }:
        # a home no longer licensing (abolished, or a Scottish council) stays selectable, so
        # saving other changes never clears it
        options.append((row["home_authority_code"], row["home_authority"]))
    # a date of birth left blank is refused, not left as it was
    return f.changed([*IDENTITY, _home(options)], date_of_birth={"blank": ""})


async def _change_driver_words(request, conn, row) -> dict:
    return {
        "title": f"Change {row['forenames']} {row['surname']}'s details",
        "caption": "Register",
        "back_href": with_visit(f"/drivers/{row['public_id']}", request),
        "intro": [
            "A changed name is kept as a former name, so searches under either find the "
            "driver. If the driver has moved to another authority's area while licensed "
            "elsewhere, that authority is told."
        ],
        "action": with_visit(f"/drivers/{row['public_id']}/change", request),
        "submit": "Save changes",
    }


CHANGE_DRIVER = FormPage(
    "/drivers/{driver_id:uuid}/change",
    load=the_driver,
    fields=_change_driver_fields,
    words=_change_driver_words,
    start=lambda request, row: f.filled(
        [*IDENTITY, _home([])], {**row, "home_authority": row["home_authority_code"]}
    ),
    save=lambda conn, actor, row, values: drivers.amend_driver(
        conn, actor, row["id"], drivers.DriverChanges(**values)
    ),
    done=lambda request, row, _: with_visit(f"/drivers/{row['public_id']}", request, done="driver"),
)


# --- another name the driver is known by ------------------------------------------------------
# Another council's spelling, a name used before marriage: searched like the current name.

NAME_FIELDS = [
    f.radios(
        "kind",
        "What kind of name is it?",
        [
            (
                "alias",
                "Another name they are known by",
                "For example, another spelling on another council's records",
            ),
            ("former", "A name they used before", "For example, a surname before marriage"),
        ],
    ),
    f.text("forenames", "Forenames", width="govuk-!-width-two-thirds", spellcheck=False),
    f.text("surname", "Surname", width="govuk-!-width-two-thirds", spellcheck=False),
    f.date(
        "date_of_birth",
        "Date of birth given with this name",
        "Only if it differs from the driver's, for example 17 5 1980",
        named="Date of birth",
    ),
]


async def _name_words(request, conn, driver) -> dict:
    return {
        "title": "Add another name",
        "caption": "Register",
        "facts": driver_facts(driver),
        "back_href": with_visit(f"/drivers/{driver['public_id']}", request),
        "action": with_visit(f"/drivers/{driver['public_id']}/names/new", request),
        "submit": "Add name",
    }


NEW_NAME = FormPage(
    "/drivers/{driver_id:uuid}/names/new",
    load=the_driver,
    fields=NAME_FIELDS,
    words=_name_words,
    save=lambda conn, actor, driver, values: drivers.add_name(
        conn, actor, driver["id"], drivers.NameDetails(**values)
    ),
    done=lambda request, driver, _: with_visit(
        f"/drivers/{driver['public_id']}", request, done="name"
    ),
)


# --- a licence ----------------------------------------------------------------------------

LICENCE_FIELDS = [
    f.text(
        "licence_number",
        "Licence number",
        "Your authority's number for this licence",
        spellcheck=False,
    ),
    f.radios("kind", "Kind of licence", KINDS),
    f.date("granted_on", "Date the licence was granted"),
    f.date(
        "starts_on", "Date the licence starts", "Leave blank if it starts on the day it was granted"
    ),
    f.date("expires_on", "Date the licence expires", "Leave blank for 3 years after it starts"),
]


async def _licence_page(
    request: Request, conn, driver, form: Form, status_code: int = 200, recorded: bool = False
) -> Response:
    banner = warnings = None
    duplicates = []
    if recorded:
        banner = f"{driver['forenames']} {driver['surname']} has been recorded on the register."
        if driver["gb_licence_number"]:
            warnings = identifiers.gb_licence_warnings(
                driver["gb_licence_number"],
                surname=driver["surname"],
                date_of_birth=driver["date_of_birth"],
                sex=driver["sex"],
                forenames=driver["forenames"],
            )
        duplicates = await drivers.possible_duplicates(conn, driver["id"])
    intro = [f"Check: {w}" for w in warnings or []]
    intro += [
        f"Possibly the same person: driver {d.driver_id} ({d.reason.lower()})." for d in duplicates
    ]
    return f.form_page(
        request,
        form,
        LICENCE_FIELDS,
        status_code=status_code,
        title="Record a licence",
        caption="Register",
        back_href=with_visit(f"/drivers/{driver['public_id']}", request),
        banner=banner,
        intro=intro,
        facts=driver_facts(driver),
        action=with_visit(f"/drivers/{driver['public_id']}/licences/new", request),
        submit="Record licence",
    )


@get("/drivers/{driver_id:uuid}/licences/new", guards=[auth.officer])
async def new_licence_form(
    request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]
) -> Response:
    driver = await driver_or_404(conn, driver_id)
    return await _licence_page(
        request, conn, driver, Form(), recorded=request.query_params.get("recorded") == "1"
    )


@post("/drivers/{driver_id:uuid}/licences/new", guards=[auth.officer])
async def grant_licence(request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]) -> Response:
    form = await read_form(request)
    driver = await driver_or_404(conn, driver_id)
    details = licences.LicenceDetails(
        driver_id=driver_id,
        licence_number=form.get("licence_number"),
        kind=form.get("kind") or None,
        granted_on=form.iso_date("granted_on", "Date granted"),
        starts_on=form.iso_date("starts_on", "Start date"),
        expires_on=form.iso_date("expires_on", "Expiry date"),
    )
    granted = await attempt(
        conn, form, request.user, lambda: licences.grant(conn, actor_of(request), details)
    )
    if granted is None:
        return await _licence_page(request, conn, driver, form, 400)
    if visit_of(request):  # granted from a record: back to it, opened as it was
        return redirect(with_visit(f"/drivers/{driver_id}", request, done="licence_granted"))
    return redirect(f"/licences/{granted.id}/recorded")


@get("/licences/{licence_id:int}/recorded", guards=[auth.officer])
async def licence_recorded(request: Request, conn: Conn, licence_id: FromPath[int]) -> Response:
    licence = await own(licences.get_licence(conn, actor_of(request), licence_id))
    driver = await driver_or_404(conn, licence.driver_id)
    home = await lookups.home_authority_id(conn, licence.driver_id)
    out_of_area = home is not None and home != request.user.authority_id
    return page(
        "recorded.html",
        request,
        title="Licence recorded",
        panel=f"{LABELS['kind'][licence.kind]} licence {licence.licence_number}",
        facts=driver_facts(driver)
        + [("Starts", long_date(licence.starts_on)), ("Expires", long_date(licence.expires_on))],
        next_steps=[
            f"{driver['home_authority']} will be alerted, because the driver lives in its area."
        ]
        if out_of_area
        else [],
        links=[
            ("Search the register", "/search"),
            ("Open the driver's record", f"/drivers/{licence.driver_id}"),
        ],
    )


def _change_fields(status: str) -> list[dict]:
    allowed = [
        (a, ACTION_WORDS[a]) for a, (start, _) in licences.TRANSITIONS.items() if status in start
    ]
    return [
        f.radios("action", "What has happened to the licence?", allowed),
        f.date(
            "effective_on",
            "Date it takes effect",
            "Leave blank for today (for a renewal: the day the current licence ends)",
        ),
        f.date("expires_on", "New expiry date, for a renewal", "Leave blank for 3 years on"),
    ]


async def _change_page(request, conn, licence, form: Form, status_code: int = 200) -> Response:
    driver = await driver_or_404(conn, licence.driver_id)
    facts = driver_facts(driver) + [
        ("Licence", f"{LABELS['kind'][licence.kind]}, {licence.licence_number}"),
        ("Status", LABELS["status"].get(licence.status, licence.status.capitalize())),
        ("Expires", long_date(licence.expires_on)),
    ]
    return f.form_page(
        request,
        form,
        _change_fields(licence.status),
        status_code=status_code,
        title="Change a licence",
        caption="Register",
        facts=facts,
        back_href=with_visit(f"/drivers/{licence.driver_id}", request),
        action=with_visit(f"/licences/{licence.id}/change", request),
        submit="Save change",
    )


@get("/licences/{licence_id:int}/change", guards=[auth.officer])
async def change_licence_form(request: Request, conn: Conn, licence_id: FromPath[int]) -> Response:
    licence = await own(licences.get_licence(conn, actor_of(request), licence_id))
    return await _change_page(request, conn, licence, Form())


@post("/licences/{licence_id:int}/change", guards=[auth.officer])
async def change_licence(request: Request, conn: Conn, licence_id: FromPath[int]) -> Response:
    form = await read_form(request)
    actor = actor_of(request)
    licence = await own(licences.get_licence(conn, actor, licence_id))
    details = licences.LicenceChange(
        action=form.get("action") or None,
        effective_on=form.iso_date("effective_on", "The date it takes effect"),
        expires_on=form.iso_date("expires_on", "The new expiry date"),
    )
    changed = await attempt(
        conn, form, request.user, lambda: licences.change(conn, actor, licence_id, details)
    )
    if changed is None:
        return await _change_page(request, conn, licence, form, 400)
    return redirect(with_visit(f"/drivers/{licence.driver_id}", request, done="licence"))


# --- a register decision (s.2) ------------------------------------------------------------


async def _entry_fields(conn, driver_id: int, authority_id: int) -> list[dict]:
    held = [
        (str(r["id"]), f"{LABELS['kind'][r['kind']]} {r['licence_number']} ({r['status']})")
        for r in await lookups.own_licences(conn, driver_id, authority_id)
    ]
    return [
        f.radios("decision", "What did your authority decide?", DECISIONS),
        f.select(
            "licence_id",
            "Which of your licences it concerns",
            held,
            "Leave as it is for an application that was refused",
            empty="None",
        ),
        f.radios(
            "licence_kind",
            "Kind of licence",
            KINDS,
            "Leave blank when you chose one of your licences above",
        ),
        f.date("decided_on", "Date of the decision"),
        f.date(
            "effective_on", "Date it takes effect", "Leave blank if it took effect the same day"
        ),
        f.checkboxes(
            "categories",
            "What relevant information was it based on?",
            CATEGORY_OPTIONS,
            "Section 1 of the 2022 Act. Select all that apply",
        ),
        f.textarea(
            "narrative",
            "What happened",
            "Only your authority sees this. Others see "
            "the decision and can ask you for the details (section 3)",
            rows=8,
        ),
    ]


async def _entry_page(request, conn, driver, form: Form, status_code: int = 200) -> Response:
    fields = await _entry_fields(conn, driver["id"], request.user.authority_id)
    return f.form_page(
        request,
        form,
        fields,
        status_code=status_code,
        title="Record a register decision",
        caption="Register (section 2)",
        facts=driver_facts(driver),
        back_href=with_visit(f"/drivers/{driver['public_id']}", request),
        action=with_visit(f"/drivers/{driver['public_id']}/entries/new", request),
        submit="Record decision",
    )


@get("/drivers/{driver_id:uuid}/entries/new", guards=[auth.officer])
async def new_entry_form(request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]) -> Response:
    return await _entry_page(request, conn, await driver_or_404(conn, driver_id), Form())


@post("/drivers/{driver_id:uuid}/entries/new", guards=[auth.officer])
async def record_entry(request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]) -> Response:
    form = await read_form(request)
    driver = await driver_or_404(conn, driver_id)
    licence_id = form.integer("licence_id", "Select one of your licences, or None", required=False)
    if licence_id is None and not form.get("licence_kind"):
        form.add_error("licence_kind", "Select the kind of licence, or one of your licences above")
    if not form.getall("categories"):
        form.add_error("categories", "Select at least one kind of relevant information")
    details = entries.EntryDetails(
        driver_id=driver_id,
        licence_id=licence_id,
        decision=form.get("decision") or None,
        licence_kind=form.get("licence_kind") or None,
        decided_on=form.iso_date("decided_on", "The date of the decision"),
        effective_on=form.iso_date("effective_on", "The date it takes effect"),
        categories=form.getall("categories"),
        narrative=form.get("narrative"),
    )
    entry = await attempt(
        conn, form, request.user, lambda: entries.record_decision(conn, actor_of(request), details)
    )
    if entry is None:
        return await _entry_page(request, conn, driver, form, 400)
    return redirect(with_visit(f"/drivers/{driver_id}", request, done="entry", ref=entry.id))


ENTRY_CHANGE_FIELDS = [
    f.radios("status", "What has changed?", [(s, ENTRY_STATUS_WORDS[s]) for s in entries.STATUSES]),
    f.date("changed_on", "Date of the change", "Leave blank for today"),
    f.textarea("reason", "Why", "Authorities that asked about this entry are told of the change"),
]


async def _entry_change_page(request, conn, entry, form: Form, status_code: int = 200) -> Response:
    driver = await driver_or_404(conn, entry.driver_id)
    facts = driver_facts(driver) + [
        ("Decision", f"{LABELS['decision'][entry.decision]}, {long_date(entry.decided_on)}"),
        ("Status now", ENTRY_STATUS_WORDS.get(entry.status, entry.status)),
    ]
    return f.form_page(
        request,
        form,
        ENTRY_CHANGE_FIELDS,
        status_code=status_code,
        title="Record a change to a register entry",
        caption="Register (section 2)",
        facts=facts,
        back_href=with_visit(f"/drivers/{entry.driver_id}", request),
        action=with_visit(f"/entries/{entry.id}/change", request),
        submit="Save change",
    )


@get("/entries/{entry_id:int}/change", guards=[auth.officer])
async def change_entry_form(request: Request, conn: Conn, entry_id: FromPath[int]) -> Response:
    entry = await own(entries.get_entry(conn, actor_of(request), entry_id))
    return await _entry_change_page(request, conn, entry, Form())


@post("/entries/{entry_id:int}/change", guards=[auth.officer])
async def change_entry(request: Request, conn: Conn, entry_id: FromPath[int]) -> Response:
    form = await read_form(request)
    actor = actor_of(request)
    entry = await own(entries.get_entry(conn, actor, entry_id))
    details = entries.EntryChange(
        status=form.get("status") or None,
        changed_on=form.iso_date("changed_on", "The date of the change"),
        reason=form.get("reason"),
    )
    changed = await attempt(
        conn, form, request.user, lambda: entries.change_entry(conn, actor, entry_id, details)
    )
    if changed is None:
        return await _entry_change_page(request, conn, entry, form, 400)
    return redirect(
        with_visit(f"/drivers/{entry.driver_id}", request, done="entry_changed", ref=entry_id)
    )


# --- a concern (s.5) and its reply (s.6) --------------------------------------------------


async def _concern_fields(conn, driver_id: int, authority_id: int) -> list[dict]:
    licensing = await lookups.licensing_elsewhere(conn, driver_id, authority_id)
    return [
        f.select(
            "recipient_authority",
            "Which authority licenses the driver?",
            licensing,
            "Authorities where the driver holds a current or suspended licence",
        ),
        f.checkboxes(
            "categories",
            "What kind of relevant information is it?",
            CATEGORY_OPTIONS,
            "Section 1 of the 2022 Act. Select all that apply",
        ),
        f.textarea("narrative", "What your authority learned", rows=8),
        f.date(
            "became_aware_on",
            "Date your authority became aware",
            "The report is due within 10 working days of this date",
        ),
        f.date("reported_on", "Date of the report", "Leave blank for today"),
    ]


async def _concern_page(request, conn, driver, form: Form, status_code: int = 200) -> Response:
    fields = await _concern_fields(conn, driver["id"], request.user.authority_id)
    return f.form_page(
        request,
        form,
        fields,
        status_code=status_code,
        title="Report a concern to the licensing authority",
        caption="Section 5 report",
        facts=driver_facts(driver),
        back_href=with_visit(f"/drivers/{driver['public_id']}", request),
        action=with_visit(f"/drivers/{driver['public_id']}/concerns/new", request),
        submit="Send report",
    )


@get("/drivers/{driver_id:uuid}/concerns/new", guards=[auth.officer])
async def new_concern_form(
    request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]
) -> Response:
    return await _concern_page(request, conn, await driver_or_404(conn, driver_id), Form())


@post("/drivers/{driver_id:uuid}/concerns/new", guards=[auth.officer])
async def report_concern(request: Request, conn: Conn, driver_id: FromPath[uuid.UUID]) -> Response:
    form = await read_form(request)
    driver = await driver_or_404(conn, driver_id)
    if not form.get("recipient_authority"):
        form.add_error("recipient_authority", "Select the authority that licenses the driver")
    if not form.getall("categories"):
        form.add_error("categories", "Select at least one kind of relevant information")
    details = concerns.ConcernDetails(
        driver_id=driver_id,
        recipient_authority=form.get("recipient_authority") or None,
        categories=form.getall("categories"),
        narrative=form.get("narrative"),
        became_aware_on=form.iso_date("became_aware_on", "The date your authority became aware"),
        reported_on=form.iso_date("reported_on", "The date of the report"),
    )
    concern = await attempt(
        conn, form, request.user, lambda: concerns.report(conn, actor_of(request), details)
    )
    if concern is None:
        return await _concern_page(request, conn, driver, form, 400)
    return redirect(f"/concerns/{concern.id}?done=reported")


REPLY_FIELDS = [
    f.radios("decision", "What did your authority decide?", REPLIES),
    f.date("reply_on", "Date of the decision", "Leave blank for today"),
    f.textarea("reason", "Reasons", "Sent to the authority that reported the concern"),
]


async def authority_names(conn) -> dict[str, str]:
    return await names_by_code(conn)


async def _concern_view(request, conn, concern, form: Form, status_code: int = 200) -> Response:
    names = await authority_names(conn)
    driver = await driver_or_404(conn, concern.driver_id)
    facts = driver_facts(driver) + [
        ("Reported by", names[concern.reporting_authority]),
        ("Reported to", names[concern.recipient_authority]),
        ("Relevant information", "; ".join(LABELS["category"][c] for c in concern.categories)),
        ("What they learned", concern.narrative),
        ("Became aware", long_date(concern.became_aware_on)),
        ("Reported", long_date(concern.reported_on) + (" (late)" if concern.reported_late else "")),
    ]
    if concern.reply_on:
        facts.append(
            (
                "Decision (section 6)",
                f"{LABELS['reply'][concern.reply_decision]}, {long_date(concern.reply_on)}",
            )
        )
        if concern.reply_reason:
            facts.append(("Reasons", concern.reply_reason))
    can_reply = concern.reply_on is None and names[concern.recipient_authority] == await _own_name(
        conn, request
    )
    banner = (
        "Your report has been sent." if request.query_params.get("done") == "reported" else None
    )
    if not can_reply:
        return page(
            "record_view.html",
            request,
            status_code=status_code,
            title="Concern report",
            caption="Section 5 report",
            facts=facts,
            banner=banner,
            back_href=with_visit(f"/drivers/{concern.driver_id}", request),
        )
    return f.form_page(
        request,
        form,
        REPLY_FIELDS,
        status_code=status_code,
        title="Concern reported to your authority",
        caption="Section 5 report",
        intro=[
            "Consider suspending or revoking the driver's licence, then tell the "
            "reporting authority what you decided (section 6)."
        ],
        facts=facts,
        back_href="/alerts",
        banner=banner,
        action=f"/concerns/{concern.id}",
        submit="Send decision",
    )


async def _own_name(conn, request) -> str:
    return await name_of(conn, request.user.authority_id)


async def _audit_view(conn, request, subject: str, driver_id: uuid.UUID | None) -> None:
    # Concerns and requests hold narrative: who looked is logged, as for any record.
    await audit_log.record(
        conn,
        action="view",
        user_id=request.user.user_id,
        authority_id=request.user.authority_id,
        driver_id=driver_id,
        subject=subject,
    )


@get("/concerns/{concern_id:int}", guards=[auth.officer])
async def concern_page(request: Request, conn: Conn, concern_id: FromPath[int]) -> Response:
    concern = await own(concerns.get_concern(conn, actor_of(request), concern_id))
    await _audit_view(conn, request, f"concern:{concern_id}", concern.driver_id)
    return await _concern_view(request, conn, concern, Form())


@post("/concerns/{concern_id:int}", guards=[auth.officer])
async def reply_to_concern(request: Request, conn: Conn, concern_id: FromPath[int]) -> Response:
    form = await read_form(request)
    actor = actor_of(request)
    concern = await own(concerns.get_concern(conn, actor, concern_id))
    details = concerns.ConcernReply(
        decision=form.get("decision") or None,
        reply_on=form.iso_date("reply_on", "The date of the decision"),
        reason=form.get("reason"),
    )
    replied = await attempt(
        conn, form, request.user, lambda: concerns.reply(conn, actor, concern_id, details)
    )
    if replied is None:
        return await _concern_view(request, conn, concern, form, 400)
    return redirect(f"/concerns/{concern_id}")


# --- an information request (s.3) and its answer --------------------------------------------

REQUEST_FIELDS = [
    f.text("case_reference", "Your case reference", spellcheck=False),
    f.textarea(
        "reason", "Why you need the information", "For example, the application you are deciding"
    ),
    f.date("requested_on", "Date of the request", "Leave blank for today"),
]


async def _entry_summary(conn, entry_id: int):
    row = await lookups.entry_summary(conn, entry_id) if 0 < entry_id <= MAX_ID else None
    if row is None:
        raise NotFoundException()
    return row


async def _request_form_page(request, conn, entry, form: Form, status_code: int = 200) -> Response:
    driver = await driver_or_404(conn, entry["driver_id"])
    facts = driver_facts(driver) + [
        ("Decision", f"{LABELS['decision'][entry['decision']]}, {long_date(entry['decided_on'])}"),
        ("Recorded by", entry["authority"]),
    ]
    return f.form_page(
        request,
        form,
        REQUEST_FIELDS,
        status_code=status_code,
        title="Ask for the information behind a register entry",
        caption="Section 3 request",
        facts=facts,
        intro=[f"{entry['authority']} must answer within 20 working days."],
        back_href=with_visit(f"/drivers/{entry['driver_id']}", request),
        action=with_visit(f"/entries/{entry['id']}/requests/new", request),
        submit="Send request",
    )


@get("/entries/{entry_id:int}/requests/new", guards=[auth.officer])
async def new_request_form(request: Request, conn: Conn, entry_id: FromPath[int]) -> Response:
    entry = await _entry_summary(conn, entry_id)
    form = Form({"case_reference": [request.query_params.get("case_reference", "")]})
    return await _request_form_page(request, conn, entry, form)


@post("/entries/{entry_id:int}/requests/new", guards=[auth.officer])
async def make_request(request: Request, conn: Conn, entry_id: FromPath[int]) -> Response:
    form = await read_form(request)
    entry = await _entry_summary(conn, entry_id)
    details = requests.RequestDetails(
        entry_id=entry_id,
        case_reference=form.get("case_reference"),
        reason=form.get("reason"),
        requested_on=form.iso_date("requested_on", "The date of the request"),
    )
    made = await attempt(
        conn,
        form,
        request.user,
        lambda: requests.make_request(conn, actor_of(request), details),
        fields={"entry_id": "case_reference"},
    )
    if made is None:
        return await _request_form_page(request, conn, entry, form, 400)
    return redirect(f"/requests/{made.id}?done=sent")


def clock(item) -> str:
    """The working-day clock of an open request, in words."""
    if item.status != "open":
        return ""
    days = item.working_days_left
    if item.overdue:
        return f"Overdue by {-days} working {'day' if days == -1 else 'days'}"
    if days == 0:
        return "Due today"
    return f"{days} working {'day' if days == 1 else 'days'} left"


@get("/requests", guards=[auth.officer])
async def requests_inbox(request: Request, conn: Conn) -> Response:
    actor = actor_of(request)
    received, _ = await requests.list_requests(conn, actor, "received")
    sent, _ = await requests.list_requests(conn, actor, "sent")
    return page(
        "requests.html",
        request,
        title="Information requests",
        received=received,
        sent=sent,
        names=await authority_names(conn),
        clock=clock,
    )


RESPONSE_FIELDS = [
    f.radios("status", "Your answer", ANSWERS),
    f.textarea("response", "The information, or the reasons for refusing", rows=8),
    f.date("responded_on", "Date of the answer", "Leave blank for today"),
]


async def _request_view(request, conn, item, form: Form, status_code: int = 200) -> Response:
    names = await authority_names(conn)
    entry = await _entry_summary(conn, item.entry_id)
    driver = await driver_or_404(conn, item.driver_id)
    facts = driver_facts(driver) + [
        (
            "Register entry",
            f"{LABELS['decision'][entry['decision']]} by {entry['authority']}, "
            f"{long_date(entry['decided_on'])}",
        ),
        ("Asked by", names[item.requesting_authority]),
        ("Their case reference", item.case_reference),
        ("Why they need it", item.reason or "Not given"),
        ("Asked on", long_date(item.requested_on)),
        ("Answer due", long_date(item.due_on) + (f" ({clock(item)})" if clock(item) else "")),
    ]
    if item.status != "open":
        facts += [
            (
                "Answer",
                "Information given" if item.status == "granted" else item.status.capitalize(),
            ),
            ("Answered on", long_date(item.responded_on)),
            ("Response", item.response),
        ]
    banner = "Your request has been sent." if request.query_params.get("done") == "sent" else None
    to_answer = item.status == "open" and names[item.recording_authority] == await _own_name(
        conn, request
    )
    if not to_answer:
        return page(
            "record_view.html",
            request,
            status_code=status_code,
            title="Information request",
            caption="Section 3 request",
            facts=facts,
            banner=banner,
            back_href="/requests",
        )
    return f.form_page(
        request,
        form,
        RESPONSE_FIELDS,
        status_code=status_code,
        title="Answer an information request",
        caption="Section 3 request",
        facts=facts,
        back_href="/requests",
        banner=banner,
        action=f"/requests/{item.id}",
        submit="Send answer",
    )


@get("/requests/{request_id:int}", guards=[auth.officer])
async def request_page(request: Request, conn: Conn, request_id: FromPath[int]) -> Response:
    item = await own(requests.get_request(conn, actor_of(request), request_id))
    await _audit_view(conn, request, f"information_request:{request_id}", item.driver_id)
    return await _request_view(request, conn, item, Form())


@post("/requests/{request_id:int}", guards=[auth.officer])
async def respond_to_request(request: Request, conn: Conn, request_id: FromPath[int]) -> Response:
    form = await read_form(request)
    actor = actor_of(request)
    item = await own(requests.get_request(conn, actor, request_id))
    details = requests.RequestResponse(
        status=form.get("status") or None,
        response=form.get("response"),
        responded_on=form.iso_date("responded_on", "The date of the answer"),
    )
    answered = await attempt(
        conn, form, request.user, lambda: requests.respond(conn, actor, request_id, details)
    )
    if answered is None:
        return await _request_view(request, conn, item, form, 400)
    return redirect(f"/requests/{request_id}")


ROUTES = [
    *NEW_DRIVER.routes(),
    *CHANGE_DRIVER.routes(),
    *NEW_NAME.routes(),
    new_licence_form,
    grant_licence,
    licence_recorded,
    change_licence_form,
    change_licence,
    new_entry_form,
    record_entry,
    change_entry_form,
    change_entry,
    new_concern_form,
    report_concern,
    concern_page,
    reply_to_concern,
    new_request_form,
    make_request,
    requests_inbox,
    request_page,
    respond_to_request,
]
