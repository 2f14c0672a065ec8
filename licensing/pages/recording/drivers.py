"""Recording a driver, changing their details, and adding another name they are known by."""

from __future__ import annotations

from dataclasses import replace
from operator import itemgetter

from licensing.pages import about, content
from licensing.pages import fields as f
from licensing.pages.admin import authority_options
from licensing.pages.forms import FormPage, routes, saves
from licensing.pages.visit import with_visit
from registry import drivers

# DriverDetails declares them, for DriverChanges and the identity proposal too; their words are
# the catalogue's [driver]
*IDENTITY, HOME = f.made(
    f.every(
        drivers.DriverDetails,
        f.exact("eu_licence_number"),
        f.exact("eu_licence_country", width=f.W3),
        f.ask("postcode", autocomplete="off"),  # someone else's: the officer's own is no help
        f.select("home_authority"),
    ),
    drivers.DriverDetails,
    content.fields("driver", drivers.DriverDetails),
)


async def _new_driver_fields(conn, request, _) -> list[f.Asked]:
    home = replace(HOME, options=await authority_options(conn))
    return [*IDENTITY, home, f.hidden("search_id")]


NEW_DRIVER = FormPage(
    "/drivers/new",
    key="driver_new",
    fields=_new_driver_fields,
    words={"back_href": "/search"},
    prefill=["search_id"],
    save=saves(drivers.create_driver, drivers.DriverDetails),
    done=lambda request, _, recorded: f"/drivers/{recorded.id}/licences/new?recorded=1",
)


# --- a driver's details change ----------------------------------------------------------------
# The record is shared: any officer may correct it or record a move. A new name keeps the old
# one as a former name; a new home authority tells that authority (resident_moved alerts).


async def _change_driver_fields(conn, request, row) -> list[f.Asked]:
    options = await authority_options(conn)
    if row["home_authority_code"] not in {None, *(code for code, _ in options)}:
        # a home no longer licensing (abolished, or a Scottish council) stays selectable, so
        # saving other changes never clears it
        options.append((row["home_authority_code"], row["home_authority"]))
    return [*IDENTITY, replace(HOME, options=options)]


async def _change_driver_words(request, conn, row) -> dict:
    await about.shown(request, conn, row["id"])
    return {
        "title": CHANGE_DRIVER.title.format_map(row),
        "back_href": with_visit(f"/drivers/{row['public_id']}", request),
    }


CHANGE_DRIVER = FormPage(
    "/drivers/{driver_id:uuid}/change",
    key="driver_change",
    load=about.the_driver,
    fields=_change_driver_fields,
    words=_change_driver_words,
    start=lambda request, row: f.filled(
        [*IDENTITY, f.hidden("home_authority")],
        {**row, "home_authority": row["home_authority_code"]},
    ),
    save=saves(drivers.amend_driver, drivers.DriverChanges, itemgetter("id")),
    done=about.to_driver("driver"),
)


# --- another name the driver is known by ------------------------------------------------------
# Another council's spelling, a name used before marriage: searched like the current name.

NEW_NAME = FormPage(
    "/drivers/{driver_id:uuid}/names/new",
    key="name_new",
    load=about.the_driver,
    words=about.facts(),
    save=saves(drivers.add_name, drivers.NameDetails, itemgetter("id")),
    done=about.to_driver("name"),
)

ROUTES = routes(NEW_DRIVER, CHANGE_DRIVER, NEW_NAME)
