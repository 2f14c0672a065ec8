"""The layers keep to their lanes, checked by reading the source (the grep rules of issue 14).

- The pages import nothing from licensing.api: both are adapters over registry/ and alerts/.
- Only registry.actor.acting names the actor for the triggers (no set_config of the actor
  settings, no set_actor, anywhere else).
- No SQL against the register's tables under licensing/: it lives in registry/ or alerts/.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from licensing.settings import PROJECT_ROOT

REGISTER_TABLES = (
    "alert",
    "alert_event_queue",
    "audit_log",
    "authority",
    "authority_former_code",
    "concern",
    "driver",
    "driver_name",
    "grant_check",
    "information_request",
    "licence",
    "licence_change",
    "name_variant",
    "register_entry",
    "register_entry_change",
    "register_event",
    "synthetic_duplicate",
)
REGISTER_SQL = re.compile(
    r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(?:public\.)?(" + "|".join(REGISTER_TABLES) + r")\b",
    re.IGNORECASE,
)
STATEMENT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")


def _sources(*folders: str):
    for folder in folders:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            yield path.relative_to(PROJECT_ROOT).as_posix(), path.read_text(encoding="utf-8")


def _imported(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_pages_import_nothing_from_the_api():
    found = [
        (path, name)
        for path, text in _sources("licensing/pages")
        for name in _imported(ast.parse(text))
        if name == "licensing.api" or name.startswith("licensing.api.")
    ]
    assert found == []


def test_only_the_acting_transaction_names_the_actor():
    found = [
        path
        for path, text in _sources("licensing", "registry", "alerts")
        if ("set_actor" in text or "crosscheck.actor_" in text) and path != "registry/actor.py"
    ]
    assert found == []


def test_only_the_statements_that_read_and_audit_in_one_name_their_own_actor():
    # a search and a record opened call acting_as() in their audit row (one round trip);
    # everything else writes its audit rows inside registry.actor.acting()
    found = [
        path for path, text in _sources("licensing", "registry", "alerts") if "acting_as(" in text
    ]
    assert found == ["registry/actor.py", "registry/records.py", "registry/search.py"]


def _register_sql(text: str) -> list[str]:
    return [
        match.group(1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if STATEMENT.search(node.value)
        for match in [REGISTER_SQL.search(node.value)]
        if match
    ]


def test_no_sql_against_register_tables_under_licensing():
    holding = {path for path, text in _sources("licensing") if _register_sql(text)}
    assert holding == set(), "move this SQL to registry/ or alerts/"


def test_the_check_finds_register_sql_where_it_is():
    assert _register_sql('X = "SELECT id FROM driver WHERE id = $1"') == ["driver"]
    assert _register_sql('X = "SELECT 1 FROM web_session"') == []
    assert _register_sql('X = "Select a driver from the list"') == []
    assert Path(PROJECT_ROOT / "registry" / "actor.py").exists()
