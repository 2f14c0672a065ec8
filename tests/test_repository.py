"""The repository itself: nothing half-merged lands."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)


def test_no_file_carries_a_merge_conflict_marker():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    marked = []
    for name in files:
        path = ROOT / name
        if (
            path.suffix in {".py", ".sql", ".md", ".html", ".toml", ".sh", ".json", ".csv"}
            and path.is_file()
        ) and MARKER.search(path.read_text(encoding="utf-8", errors="ignore")):
            marked.append(name)
    assert marked == []
