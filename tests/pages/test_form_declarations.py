"""Each form is declared once: a declared field fills a field of the registry's struct that its
page saves, so a misspelt or stale field name fails here rather than in front of an officer."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated

import msgspec
import pytest

import licensing.pages
from licensing.pages import fields as f
from licensing.pages.forms import FormPage, saves
from licensing.pages.recording.drivers import IDENTITY, NEW_NAME
from licensing.pages.recording.licences import NEW_LICENCE
from registry.fields import LICENCE_KINDS, Choice
from registry.labels import LABELS


def declared_pages() -> list[tuple[str, FormPage]]:
    found = []
    for info in pkgutil.walk_packages(licensing.pages.__path__, "licensing.pages."):
        module = importlib.import_module(info.name)
        found += [
            (f"{info.name}.{name}", value)
            for name, value in vars(module).items()
            if isinstance(value, FormPage)
        ]
    return found


def strays(page: FormPage) -> list[str]:
    """The declared fields that fill no field of the struct the page saves."""
    struct_fields = {field.name for field in msgspec.structs.fields(page.save.into)}
    filled = [field.to or field.name for field in page.fields if field.to != ""]
    return [name for name in filled if name not in struct_fields | set(page.save.given)]


def test_every_declared_field_fills_the_struct_its_page_saves():
    checked = [
        (name, page)
        for name, page in declared_pages()
        if not callable(page.fields) and hasattr(page.save, "into")
    ]
    assert len(checked) >= 6  # the recording forms whose fields are fixed
    assert {name: strays(page) for name, page in checked} == {name: [] for name, _ in checked}


def test_a_misspelt_field_is_found():
    async def nowhere(conn, actor, struct):
        return struct

    class Reply(msgspec.Struct, kw_only=True):
        decision: str | None = None

    page = FormPage(
        "/somewhere",
        fields=[f.radios("decison", "What did you decide?", [("yes", "Yes")])],
        save=saves(nowhere, Reply),
        done=lambda request, subject, result: "/",
    )
    assert strays(page) == ["decison"]


def test_a_field_asked_of_a_struct_that_lacks_it_fails_when_the_page_is_made():
    async def nowhere(conn, actor, struct):
        return struct

    class Reply(msgspec.Struct, kw_only=True):
        decision: Annotated[str | None, Choice("decision", ("yes", "no"), "answer")] = None

    with pytest.raises(KeyError, match="decison"):
        FormPage(
            "/somewhere",
            fields=[f.ask("decison", label="What did you decide?")],
            save=saves(nowhere, Reply),
            done=lambda request, subject, result: "/",
        )


def test_an_officer_recording_a_licence_is_offered_the_registers_kinds_in_its_words():
    kind = next(field for field in NEW_LICENCE.fields if field.name == "kind")
    assert (kind.type, kind.label) == ("radios", "Kind of licence")
    assert list(kind.options) == [(code, LABELS["kind"][code]) for code in LICENCE_KINDS]
    number = next(field for field in NEW_LICENCE.fields if field.name == "licence_number")
    assert (number.type, number.spellcheck) == ("text", False)  # typed exactly


def test_a_page_that_names_no_fields_asks_every_declared_field_in_order():
    # an officer recording another name is asked the kind first, then the name, then the date
    # of birth, as NameDetails declares them; recording a driver sizes each input to its field
    assert [field.name for field in NEW_NAME.fields] == [
        "kind",
        "forenames",
        "surname",
        "date_of_birth",
    ]
    widths = {field.name: field.classes for field in IDENTITY if field.type == "text"}
    assert widths["forenames"] == f.WIDE  # a name: up to 100 characters
    assert widths["postcode"] == widths["ni_number"] == f.W10  # known to be short
    assert widths["gb_licence_number"] == f.W20
    rows = {field.name: field.rows for field in IDENTITY if field.type == "textarea"}
    assert rows == {"address": 3}
    assert [field.inline for field in IDENTITY if field.name == "sex"] == [True]


def test_a_field_given_to_every_that_the_struct_lacks_fails():
    class Reply(msgspec.Struct, kw_only=True):
        decision: Annotated[str | None, Choice("decision", ("yes", "no"), "answer")] = None
        note: str | None = None  # not declared: asked only when the page gives it

    assert f.every(Reply) == ["decision"]
    with pytest.raises(TypeError, match="decison"):
        f.every(Reply, f.text("decison", "What did you decide?"))
