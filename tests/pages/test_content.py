"""The pages' words live in the content catalogue (licensing/pages/content/en.toml), one table
per page: a page naming a table or a field the catalogue lacks fails when it is made, and a word
no page uses, or words for a field the page's struct lacks, fail here, before a content designer
wonders why their change shows nowhere."""

from __future__ import annotations

import importlib
import pkgutil
from string import Formatter
from typing import Annotated

import msgspec
import pytest

import licensing.pages
from licensing.pages import content
from licensing.pages.forms import FormPage, saves
from licensing.pages.recording.licences import CHANGE_LICENCE, NEW_LICENCE
from registry.fields import Choice, Date


async def _nowhere(conn, actor, struct):
    return struct


class Reply(msgspec.Struct, kw_only=True):
    decision: Annotated[str | None, Choice("answer", ("granted", "refused"), "answer")] = None
    decided_on: Annotated[str | None, Date("date of the decision")] = None


def _page(key: str) -> FormPage:
    return FormPage(
        "/somewhere",
        key=key,
        fields=["decision", "decided_on"],
        save=saves(_nowhere, Reply),
        done=lambda request, subject, result: "/",
    )


def test_every_word_in_the_catalogue_is_used_by_a_page():
    for info in pkgutil.walk_packages(licensing.pages.__path__, "licensing.pages."):
        importlib.import_module(info.name)  # each page takes its words when it is made
    assert content.unsaid() == []


def test_a_page_whose_words_the_catalogue_lacks_fails_when_it_is_made():
    with pytest.raises(KeyError, match=r"no table \[reply_nowhere\]"):
        _page("reply_nowhere")


def test_words_for_a_field_the_struct_lacks_fail_when_the_page_is_made(monkeypatch):
    monkeypatch.setitem(content.CATALOGUE, "reply", {"decison": {"label": "Do you agree?"}})
    with pytest.raises(KeyError, match="decison"):
        _page("reply")


def test_a_misspelt_word_of_a_field_fails_when_the_page_is_made(monkeypatch):
    monkeypatch.setitem(content.CATALOGUE, "reply", {"decision": {"lable": "Do you agree?"}})
    with pytest.raises(KeyError, match="lable"):
        _page("reply")


def test_a_page_says_the_catalogues_words_and_the_declarations_where_it_has_none(monkeypatch):
    monkeypatch.setitem(
        content.CATALOGUE,
        "reply",
        {"title": "Reply", "decided_on": {"label": "When you decided", "hint": "Leave blank"}},
    )
    page = _page("reply")
    decision, decided_on = page.fields
    assert page.title == "Reply"
    assert (decision.label, decision.hint) == ("Answer", None)  # the declaration's
    assert decision.options == [
        ("granted", "Give the information"),
        ("refused", "Refuse, with reasons"),
    ]
    assert (decided_on.label, decided_on.hint) == ("When you decided", "Leave blank")
    assert decided_on.named == "The when you decided"  # in its messages


def test_an_officer_recording_a_licence_reads_the_catalogues_words():
    said = content.CATALOGUE["licence_new"]
    assert (NEW_LICENCE.title, NEW_LICENCE.button) == (said["title"], said["button"])
    starts_on = next(field for field in NEW_LICENCE.fields if field.name == "starts_on")
    assert (starts_on.hint, starts_on.named) == (
        said["starts_on"]["hint"],
        said["starts_on"]["named"],
    )
    assert CHANGE_LICENCE.title == content.CATALOGUE["licence_change"]["title"]


def _filled_in(said: object) -> set[str]:
    texts = said if isinstance(said, list) else [said]
    return {
        name
        for text in texts
        if isinstance(text, str)
        for _, name, _, _ in Formatter().parse(text)
        if name
    }


def test_the_names_in_braces_are_those_the_pages_fill_in():
    # a content designer's typo in a {name} would be an error on the page that shows it
    braces = {
        f"{key}.{word}": names
        for key, table in content.CATALOGUE.items()
        for word, said in table.items()
        if (names := _filled_in(said))
    }
    assert braces == {
        "licence_new.recorded": {"forenames", "surname"},
        "licence_new.check": {"warning"},
        "licence_new.same": {"driver", "reason"},
        "licence_recorded.panel": {"kind", "number"},
        "licence_recorded.told": {"authority"},
        "driver_change.title": {"forenames", "surname"},
        "request_new.intro": {"authority"},
        "request.entry": {"decision", "authority", "on"},
        "requests.overdue": {"days"},
        "requests.left": {"days"},
    }
