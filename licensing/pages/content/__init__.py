"""The words the pages say, in a content catalogue (en.toml): one table per page, keyed as the
page is (a FormPage's `key`), holding its title, button, intro and other words, and a table per
field holding that field's words where the page's differ from its declaration's (a question for
a label, a hint, a date's name in its messages). Content designers change words there without
touching code; a Welsh version would be a second file, cy.toml, with the same keys.

Each page takes its words when it is made, on import: a word the catalogue lacks fails then,
and `unsaid` lists the words no page took (a test holds it empty)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import msgspec

CATALOGUE: dict[str, dict[str, Any]] = tomllib.loads(
    (Path(__file__).resolve().parent / "en.toml").read_text(encoding="utf-8")
)
# the words a field may have (fields.Field's): see en.toml's head
FIELD_WORDS = {"label", "hint", "named", "heading", "options", "required", "empty", "number"}
_taken: set[tuple[str, str]] = set()


def table(key: str) -> dict[str, Any]:
    """A page's table of words (a KeyError naming it when the catalogue lacks it)."""
    if key not in CATALOGUE:
        raise KeyError(f"the content catalogue has no table [{key}]")
    return CATALOGUE[key]


def take(key: str, *names: str) -> list[Any]:
    """Words of a page's table, in the order named: `title, told = take("recorded", ...)`."""
    said = table(key)
    _taken.update((key, name) for name in names)
    return [said[name] for name in names]


def some(key: str, *names: str) -> dict[str, Any]:
    """Those of the named words that a page's table has."""
    present = [name for name in names if name in table(key)]
    return dict(zip(present, take(key, *present), strict=True))


def fields(key: str, into: type | None) -> dict[str, dict[str, Any]]:
    """The words of a page's fields (its tables), by field name: each names a field of `into`
    (the struct the page saves) and gives only words a field has."""
    tables = [name for name, value in table(key).items() if isinstance(value, dict)]
    words = some(key, *(name for name in tables if name != "facts"))
    known = {field.name for field in msgspec.structs.fields(into)} if into else set()
    if stray := sorted(words.keys() - known):
        raise KeyError(f"[{key}] has words for {stray}, not fields of what the page saves")
    if stray := sorted({word for said in words.values() for word in said} - FIELD_WORDS):
        raise KeyError(f"[{key}] gives its fields {stray}, not words a field has")
    return words


def facts(key: str | None) -> dict[str, str]:
    """The labels of the facts a page shows, by name: its table's `facts` and the [facts] every
    page shares (who the driver is)."""
    shared = dict(zip(table("facts"), take("facts", *table("facts")), strict=True))
    return shared | (some(key, "facts").get("facts", {}) if key else {})


def rows(labels: dict[str, str], facts: dict[str, Any]) -> list[tuple[str, Any]]:
    """Facts by name as the rows of a summary list, each with its label; a None is not shown."""
    return [(labels[name], value) for name, value in facts.items() if value is not None]


def unsaid() -> list[str]:
    """The catalogue's words no page has taken, as `page.word`."""
    return [
        f"{key}.{word}" for key in CATALOGUE for word in CATALOGUE[key] if (key, word) not in _taken
    ]
