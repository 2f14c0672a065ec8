"""docs/security.md names, for each control, the test that proves it: every test it cites must
exist, so the page cannot point at a test that was renamed or never written.

A cited `tests/x.py::name` names a test in that file; a `::name` or a bare `test_name` that
follows names one in the file cited last before it (in the same row, or the row above).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
CITED = re.compile(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?|test_\w+)`")


def citations() -> list[tuple[str, str | None]]:
    """(file, test name or None for the whole file) for every test the page cites."""
    found: list[tuple[str, str | None]] = []
    current = None
    for token in CITED.findall(DOC.read_text()):
        path, _, name = token.partition("::")
        if path.startswith("tests/"):
            current = path
        elif path.startswith("test_"):
            path, name = "", path
        if current is None or not (path or name):
            continue
        found.append((current, name or None))
    return found


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_every_test_the_security_page_cites_exists():
    cited = citations()
    missing = []
    for file, name in cited:
        path = ROOT / file
        if not path.is_file():
            missing.append(file)
        elif name and name not in functions_in(path):
            missing.append(f"{file}::{name}")
    assert len(cited) > 40
    assert missing == []


def test_the_page_covers_every_asvs_chapter_v1_to_v14():
    headings = [line for line in DOC.read_text().splitlines() if line.startswith("### V")]
    chapters = {int(n) for line in headings for n in re.findall(r"\bV(\d+)\b", line)}
    assert chapters >= set(range(1, 15))


def test_every_finding_of_the_probe_has_an_attack_story_in_tests_security():
    text = DOC.read_text()
    table = text[text.index("## Issue 11's findings and their attack stories") :]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) >= 15
    without = [row.split("|")[1].strip() for row in rows if "`tests/security/" not in row]
    assert without == []
