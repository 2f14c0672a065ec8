"""Recording a driver, changing their details, and adding another name they are known by."""

from __future__ import annotations

from operator import itemgetter

from licensing.pages import about
from licensing.pages import fields as f
from licensing.pages.admin import authority_options
from licensing.pages.forms import FormPage, routes, saves
from licensing.pages.visit import with_visit
from registry import drivers

# DriverDetails declares them, for DriverChanges and the identity proposal too
IDENTITY = f.made(
    [
        f.ask("forenames", label="Forenames", width=f.WIDE, heading="Name and date of birth"),
        f.ask("surname", label="Surname", width=f.WIDE),
        f.ask(
            "date_of_birth", "For example, 17 5 1980", label="Date of birth", named="Date of birth"
        ),
        f.ask(
            "sex",
            "Optional. It helps check the GB driving licence number",
            label="Sex, as on the driving licence",
            inline=True,
        ),
        f.ask(
            "gb_licence_number",
            "16 characters, for example WALKE805170SJ9AB",
            heading="Identifiers",
        ),
        f.ask("ni_licence_number", "8 digits, if they have one", width=f.W10),
        f.ask("ni_number", "For example, QQ 12 34 56 C", width=f.W10),
        f.exact("eu_licence_number", "EU driving licence number", "If the driver holds one"),
        f.exact(
            "eu_licence_country",
            "Country that issued the EU driving licence",
            "Two letters, for example PL for Poland",
            width=f.W3,
        ),
        f.ask("address", rows=3),
        f.ask("postcode", width=f.W10, autocomplete="off"),
    ],
    drivers.DriverDetails,
)
HOME = "The licensing authority for the area the driver lives in"


async def _new_driver_fields(conn, request, _) -> list[f.Field | f.Ask]:
    home = f.select("home_authority", "Home authority", await authority_options(conn), HOME)
    return [*IDENTITY, home, f.hidden("search_id")]


NEW_DRIVER = FormPage(
    "/drivers/new",
    title="Record a driver",
    button="Record driver",
    fields=_new_driver_fields,
    words={
        "back_href": "/search",
        "intro": ["Search the register first: record a driver only when they are not on it yet."],
    },
    prefill=["search_id"],
    save=saves(drivers.create_driver, drivers.DriverDetails),
    done=lambda request, _, recorded: f"/drivers/{recorded.id}/licences/new?recorded=1",
)


# --- a driver's details change ----------------------------------------------------------------
# The record is shared: any officer may correct it or record a move. A new name keeps the old
# one as a former name; a new home authority tells that authority (resident_moved alerts).


async def _change_driver_fields(conn, request, row) -> list[f.Field | f.Ask]:
    options = await authority_options(conn)
    if row["home_authority_code"] not in {None, *(code for code, _ in options)}:
        # a home no longer licensing (abolished, or a Scottish council) stays selectable, so
        # saving other changes never clears it
        options.append((row["home_authority_code"], row["home_authority"]))
    return [*IDENTITY, f.select("home_authority", "Home authority", options, HOME)]


async def _change_driver_words(request, conn, row) -> dict:
    return {
        "title": f"Change {row['forenames']} {row['surname']}'s details",
        "back_href": with_visit(f"/drivers/{row['public_id']}", request),
        "intro": [
            "A changed name is kept as a former name, so searches under either find the "
            "driver. If the driver has moved to another authority's area while licensed "
            "elsewhere, that authority is told."
        ],
    }


CHANGE_DRIVER = FormPage(
    "/drivers/{driver_id:uuid}/change",
    button="Save changes",
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

NAME_KINDS = [
    (
        "alias",
        "Another name they are known by",
        "For example, another spelling on another council's records",
    ),
    ("former", "A name they used before", "For example, a surname before marriage"),
]

NEW_NAME = FormPage(
    "/drivers/{driver_id:uuid}/names/new",
    title="Add another name",
    button="Add name",
    load=about.the_driver,
    fields=[
        f.ask("kind", label="What kind of name is it?", options=NAME_KINDS),
        f.ask("forenames", width=f.WIDE),
        f.ask("surname", width=f.WIDE),
        f.ask(
            "date_of_birth",
            "Only if it differs from the driver's, for example 17 5 1980",
            label="Date of birth given with this name",
            named="Date of birth",
        ),
    ],
    words=about.facts(),
    save=saves(drivers.add_name, drivers.NameDetails, itemgetter("id")),
    done=about.to_driver("name"),
)

ROUTES = routes(NEW_DRIVER, CHANGE_DRIVER, NEW_NAME)
