"""Every SQL statement the project keeps as a constant is checked by PostgreSQL itself.

The collector finds, in every module of licensing/, registry/ and alerts/, each module-level
string that is a statement (also inside a module-level dict, list or tuple of them), and every
.sql file beside the Python. PostgreSQL prepares each against the migrated schema: a misspelt
column, a dropped table or a wrong type fails here, not in the one request that runs it.
Statements that create things (temporary staging tables) are run first, in a transaction that
is rolled back, so the statements that use them can be prepared too.

A constant named *_TEMPLATE (or *_TEMPLATES) is completed before use; the completed statement
is a constant of its own and is checked instead; so is a .sql file with :placeholders, checked
through the statement its module completes from it. A piece of a statement kept as a constant of
its own (an alert rule selecting from the batch `ev`) is checked as part of the statements that
hold it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass

import pytest

from licensing.db import connect
from licensing.settings import PROJECT_ROOT
from registry.match import compact

PACKAGES = ("registry", "alerts", "licensing")
# The project writes SQL keywords in capitals; page words ("Select the authority ...") are not SQL.
STATEMENT = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b")
# Statements run together in one string end their lines with a semicolon.
SEPARATOR = re.compile(r";\s*(?:\n|$)")
# A name its module fills in before use, like :limit (never a ::cast or a time like 12:30).
PLACEHOLDER = re.compile(r"(?<![:\w]):[a-z_]+\b")
CREATES = re.compile(r"^\s*CREATE\s+(TEMP|TEMPORARY)\s+TABLE\b", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    where: str  # module.NAME[key] or a .sql file's path
    sql: str


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")


def modules():
    for package in PACKAGES:
        yield importlib.import_module(package)
        root = PROJECT_ROOT / package
        for info in pkgutil.walk_packages([str(root)], prefix=f"{package}."):
            yield importlib.import_module(info.name)


def collect() -> tuple[list[Statement], list[Statement]]:
    """(statements that create staging tables, statements to prepare), each found once."""
    creates, statements, seen = [], [], set()
    for module in modules():
        for name, value in sorted(vars(module).items()):
            if not name.isupper() or re.search(r"_TEMPLATES?$", name):
                continue
            for where, text in _strings(value, f"{module.__name__}.{name}"):
                if text in seen:
                    continue
                if CREATES.match(text):
                    creates.append(Statement(where, text))
                elif STATEMENT.match(text):
                    parts = [part for part in SEPARATOR.split(text) if part.strip()]
                    statements += [Statement(where, part) for part in parts]
                else:
                    continue
                seen.add(text)
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.sql")):
            where = str(path.relative_to(PROJECT_ROOT))
            statements.append(Statement(where, path.read_text(encoding="utf-8")))
    return creates, statements


CREATES_FOUND, STATEMENTS = collect()


def test_the_collector_finds_the_statements_it_should():
    places = {s.where for s in STATEMENTS}
    # one of each kind of place: a plain constant, a dict of them, an f-string, another package
    assert {
        "registry.licences.INSERT_LICENCE",
        "registry.search.IDENTIFIER_SEARCHES['gb_licence']",
        "registry.synthetic.seed.INSERT_NAMES_WITH_KEYS",
        "alerts.outbox.CLAIM_DUE",
        "licensing.idempotency.CLAIM",
        "registry.search.NAME_SEARCH",
    } <= places
    assert len(STATEMENTS) > 100
    assert not any(s.where.endswith("_TEMPLATE") for s in STATEMENTS)
    assert not any(s.where.startswith("licensing.pages.content.") for s in STATEMENTS)


def _within(piece: str, whole: str) -> bool:
    """Whether `whole` holds `piece`, its placeholders filled in with anything (both without
    comment lines and indentation, as registry.match.compact sends a long statement)."""
    return all(compact(chunk) in compact(whole) for chunk in PLACEHOLDER.split(piece))


@pytest.fixture
async def schema_conn(db_url):
    """A connection as the schema owner, inside a transaction that is rolled back."""
    conn = await connect(db_url, as_app=False)
    tx = conn.transaction()
    await tx.start()
    for statement in CREATES_FOUND:
        await conn.execute(statement.sql)
    yield conn
    await tx.rollback()
    await conn.close()


async def test_postgresql_prepares_every_sql_statement_against_the_migrated_schema(schema_conn):
    prepared, refused = [], {}
    for statement in STATEMENTS:
        try:
            async with schema_conn.transaction():  # a savepoint: one failure spoils no other
                await schema_conn.prepare(statement.sql)
            prepared.append(statement.sql)
        except Exception as exc:  # noqa: BLE001 (every refusal is reported below)
            refused[statement] = f"{statement.where}: {type(exc).__name__}: {exc}"
    pieces = {s for s in refused if any(_within(s.sql, whole) for whole in prepared)}
    assert [refused[s] for s in refused if s not in pieces] == []
    assert len(pieces) < 10  # pieces are few; a statement is checked on its own
