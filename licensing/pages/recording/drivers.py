"""Recording a driver, changing their details, and adding another name they are known by."""

from __future__ import annotations

from licensing.pages import fields as f
from licensing.pages.admin import authority_options
from licensing.pages.forms import FormPage
from licensing.pages.recording.common import about_driver, the_driver
from licensing.pages.visit import with_visit
from registry import drivers

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
        "back_href": "/search",
        "intro": ["Search the register first: record a driver only when they are not on it yet."],
    }


NEW_DRIVER = FormPage(
    "/drivers/new",
    title="Record a driver",
    button="Record driver",
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


NEW_NAME = FormPage(
    "/drivers/{driver_id:uuid}/names/new",
    title="Add another name",
    button="Add name",
    load=the_driver,
    fields=NAME_FIELDS,
    words=about_driver,
    save=lambda conn, actor, driver, values: drivers.add_name(
        conn, actor, driver["id"], drivers.NameDetails(**values)
    ),
    done=lambda request, driver, _: with_visit(
        f"/drivers/{driver['public_id']}", request, done="name"
    ),
)

ROUTES = [*NEW_DRIVER.routes(), *CHANGE_DRIVER.routes(), *NEW_NAME.routes()]
