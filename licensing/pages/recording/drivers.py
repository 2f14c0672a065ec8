"""Recording a driver, changing their details, and adding another name they are known by."""

from __future__ import annotations

from operator import itemgetter

from licensing.pages import about, content
from licensing.pages import fields as f
from licensing.pages.admin import authority_options
from licensing.pages.forms import FormPage, saves
from registry import drivers


async def _homes(conn, request, row=None) -> list[tuple[str, str]]:
    options = await authority_options(conn)
    if row and row["home_authority_code"] not in {None, *(code for code, _ in options)}:
        # a home no longer licensing (abolished, or a Scottish council) stays selectable, so
        # saving other changes never clears it
        options.append((row["home_authority_code"], row["home_authority"]))
    return options


# DriverDetails declares them, for DriverChanges and the identity proposal too; their words are
# the catalogue's [driver]
*IDENTITY, HOME = f.made(
    f.every(
        drivers.DriverDetails,
        f.exact("eu_licence_number"),
        f.exact("eu_licence_country", width=f.W3),
        f.ask("postcode", autocomplete="off"),  # someone else's: the officer's own is no help
        f.select("home_authority", options=_homes),
    ),
    drivers.DriverDetails,
    content.fields("driver", drivers.DriverDetails),
)

NEW_DRIVER = FormPage(
    "/drivers/new",
    key="driver_new",
    fields=[*IDENTITY, HOME, f.hidden("search_id")],
    words={"back_href": "/search"},
    prefill=["search_id"],
    save=saves(drivers.create_driver, drivers.DriverDetails),
    done=lambda request, _, recorded: f"/drivers/{recorded.id}/licences/new?recorded=1",
)


# --- a driver's details change ----------------------------------------------------------------
# The record is shared: any officer may correct it or record a move. A new name keeps the old
# one as a former name; a new home authority tells that authority (resident_moved alerts).


CHANGE_DRIVER = about.driver_form(
    "change",
    key="driver_change",
    fields=[*IDENTITY, HOME],
    words=about.facts(facts=None),  # the form shows them
    shows=lambda row: {**row, "home_authority": row["home_authority_code"]},
    save=saves(drivers.amend_driver, drivers.DriverChanges, itemgetter("id")),
    done=about.to_driver("driver"),
)


# --- another name the driver is known by ------------------------------------------------------
# Another council's spelling, a name used before marriage: searched like the current name.

NEW_NAME = about.driver_form(
    "names/new",
    key="name_new",
    save=saves(drivers.add_name, drivers.NameDetails, itemgetter("id")),
    done=about.to_driver("name"),
)
