"""Recording a register decision (s.2 of the 2022 Act) and a later change to its entry."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from litestar import Request

from licensing.pages import about
from licensing.pages import fields as f
from licensing.pages.forms import Form, FormPage, routes, saves
from licensing.pages.render import LABELS
from registry import entries, lookups


async def _entry_fields(conn, request: Request, driver: Any) -> list[f.Field | f.Ask]:
    held = [
        (str(r["id"]), f"{LABELS['kind'][r['kind']]} {r['licence_number']} ({r['status']})")
        for r in await lookups.own_licences(conn, driver["id"], request.user.authority_id)
    ]
    return [
        f.ask("decision", label="What did your authority decide?"),
        f.select(
            "licence_id",
            "Which of your licences it concerns",
            held,
            "Leave as it is for an application that was refused",
            empty="None",
            number="Select one of your licences, or None",
        ),
        f.ask("licence_kind", "Leave blank when you chose one of your licences above"),
        f.ask("decided_on"),
        f.ask(
            "effective_on",
            "Leave blank if it took effect the same day",
            label="Date it takes effect",
        ),
        f.ask("categories", label="What relevant information was it based on?"),
        f.ask(
            "narrative",
            "Only your authority sees this. Others see "
            "the decision and can ask you for the details (section 3)",
            label="What happened",
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
    load=about.the_driver,
    fields=_entry_fields,
    check=_licence_or_kind,
    words=about.facts(),
    save=saves(entries.record_decision, entries.EntryDetails, driver_id=about.public_id),
    done=about.to_driver("entry", ref=lambda driver, entry: entry.id),
)


# --- a later change to an entry -------------------------------------------------------------

CHANGE_ENTRY = FormPage(
    "/entries/{entry_id:int}/change",
    title="Record a change to a register entry",
    caption="Register (section 2)",
    button="Save change",
    load=about.own(entries.get_entry, "entry_id"),
    fields=[
        f.ask("status", label="What has changed?"),
        f.ask("changed_on"),
        f.ask(
            "reason", "Authorities that asked about this entry are told of the change", label="Why"
        ),
    ],
    words=about.facts(
        lambda entry: [
            ("Decision", about.decided(entry.decision, entry.decided_on)),
            ("Status now", LABELS["entry_change"].get(entry.status, entry.status)),
        ]
    ),
    save=saves(entries.change_entry, entries.EntryChange, attrgetter("id")),
    done=about.to_driver("entry_changed", ref=lambda entry, _: entry.id),
)

ROUTES = routes(NEW_ENTRY, CHANGE_ENTRY)
