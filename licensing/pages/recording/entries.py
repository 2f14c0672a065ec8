"""Recording a register decision (s.2 of the 2022 Act) and a later change to its entry."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from licensing.pages import about, content
from licensing.pages import fields as f
from licensing.pages.forms import Form, saves
from licensing.pages.render import LABELS
from registry import entries, lookups

HELD = about.officers(
    lookups.own_licences,
    lambda r: (str(r["id"]), f"{LABELS['kind'][r['kind']]} {r['licence_number']} ({r['status']})"),
)
(LICENCE_OR_KIND,) = content.take("entry_new", "licence_or_kind")


def _licence_or_kind(form: Form, values: dict[str, Any]) -> None:
    if values["licence_id"] is None and not values["licence_kind"]:
        form.add_error("licence_kind", LICENCE_OR_KIND)


NEW_ENTRY = about.driver_form(
    "entries/new",
    key="entry_new",
    # the licence's message when it is not one of them is the catalogue's
    fields=["decision", f.select("licence_id", options=HELD, number=""), "licence_kind"]
    + ["decided_on", "effective_on", "categories", "narrative"],
    check=_licence_or_kind,
    save=saves(entries.record_decision, entries.EntryDetails, driver_id=about.public_id),
    done=about.to_driver("entry", ref=lambda driver, entry: entry.id),
)


# --- a later change to an entry -------------------------------------------------------------

CHANGE_ENTRY = about.record_form(
    "/entries/{entry_id:int}/change",
    entries.get_entry,
    key="entry_change",
    facts=lambda entry: {
        "decision": about.decided(entry.decision, entry.decided_on),
        "status": LABELS["entry_change"].get(entry.status, entry.status),
    },
    save=saves(entries.change_entry, entries.EntryChange, attrgetter("id")),
    done=about.to_driver("entry_changed", ref=lambda entry, _: entry.id),
)
