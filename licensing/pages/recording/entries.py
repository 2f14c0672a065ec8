"""Recording a register decision (s.2 of the 2022 Act) and a later change to its entry."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request

from licensing.auth import actor_of
from licensing.pages import fields as f
from licensing.pages.forms import Form, FormPage
from licensing.pages.recording.common import (
    CATEGORY_OPTIONS,
    KINDS,
    about_driver,
    driver_facts,
    driver_or_404,
    own,
    the_driver,
)
from licensing.pages.render import LABELS, long_date
from licensing.pages.visit import with_visit
from registry import entries, lookups

DECISIONS = [(d, LABELS["decision"][d]) for d in entries.DECISIONS]


async def _entry_fields(conn: asyncpg.Connection, request: Request, driver: Any) -> list[f.Field]:
    held = [
        (str(r["id"]), f"{LABELS['kind'][r['kind']]} {r['licence_number']} ({r['status']})")
        for r in await lookups.own_licences(conn, driver["id"], request.user.authority_id)
    ]
    return [
        f.radios("decision", "What did your authority decide?", DECISIONS),
        f.select(
            "licence_id",
            "Which of your licences it concerns",
            held,
            "Leave as it is for an application that was refused",
            empty="None",
            number="Select one of your licences, or None",
        ),
        f.radios(
            "licence_kind",
            "Kind of licence",
            KINDS,
            "Leave blank when you chose one of your licences above",
        ),
        f.date("decided_on", "Date of the decision", named="The date of the decision"),
        f.date(
            "effective_on",
            "Date it takes effect",
            "Leave blank if it took effect the same day",
            named="The date it takes effect",
        ),
        f.checkboxes(
            "categories",
            "What relevant information was it based on?",
            CATEGORY_OPTIONS,
            "Section 1 of the 2022 Act. Select all that apply",
            required="Select at least one kind of relevant information",
        ),
        f.textarea(
            "narrative",
            "What happened",
            "Only your authority sees this. Others see "
            "the decision and can ask you for the details (section 3)",
            rows=8,
        ),
    ]


def _licence_or_kind(form: Form, values: dict[str, Any]) -> None:
    if values["licence_id"] is None and not values["licence_kind"]:
        form.add_error("licence_kind", "Select the kind of licence, or one of your licences above")


NEW_ENTRY = FormPage(
    "/drivers/{driver_id:uuid}/entries/new",
    title="Record a register decision",
    caption="Register (section 2)",
    button="Record decision",
    load=the_driver,
    fields=_entry_fields,
    check=_licence_or_kind,
    words=about_driver,
    save=lambda conn, actor, driver, values: entries.record_decision(
        conn, actor, entries.EntryDetails(driver_id=driver["public_id"], **values)
    ),
    done=lambda request, driver, entry: with_visit(
        f"/drivers/{driver['public_id']}", request, done="entry", ref=entry.id
    ),
)


# --- a later change to an entry -------------------------------------------------------------

ENTRY_CHANGE_FIELDS = [
    f.radios(
        "status",
        "What has changed?",
        [(s, LABELS["entry_change"][s]) for s in entries.STATUSES],
    ),
    f.date(
        "changed_on", "Date of the change", "Leave blank for today", named="The date of the change"
    ),
    f.textarea("reason", "Why", "Authorities that asked about this entry are told of the change"),
]


async def _the_entry(request: Request, conn: asyncpg.Connection) -> entries.Entry:
    return await own(entries.get_entry(conn, actor_of(request), request.path_params["entry_id"]))


async def _entry_change_words(request: Request, conn: asyncpg.Connection, entry: Any) -> dict:
    driver = await driver_or_404(conn, entry.driver_id)
    return {
        "facts": driver_facts(driver)
        + [
            ("Decision", f"{LABELS['decision'][entry.decision]}, {long_date(entry.decided_on)}"),
            ("Status now", LABELS["entry_change"].get(entry.status, entry.status)),
        ],
        "back_href": with_visit(f"/drivers/{entry.driver_id}", request),
    }


CHANGE_ENTRY = FormPage(
    "/entries/{entry_id:int}/change",
    title="Record a change to a register entry",
    caption="Register (section 2)",
    button="Save change",
    load=_the_entry,
    fields=ENTRY_CHANGE_FIELDS,
    words=_entry_change_words,
    save=lambda conn, actor, entry, values: entries.change_entry(
        conn, actor, entry.id, entries.EntryChange(**values)
    ),
    done=lambda request, entry, _: with_visit(
        f"/drivers/{entry.driver_id}", request, done="entry_changed", ref=entry.id
    ),
)

ROUTES = [*NEW_ENTRY.routes(), *CHANGE_ENTRY.routes()]
