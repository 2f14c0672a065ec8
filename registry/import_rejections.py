"""An import's rejected rows: the first few in the answer, all of them to download.

A file of 300,000 bad rows must not make a 130 MB answer, nor a worker hundreds of MB larger.
So the import keeps every problem compactly while it reads (`Rejections`: a line number and
a code for the file, column and message, about ten bytes a problem), answers with the first
REPORT_LIMIT and counts per file, column and reason, and keeps the whole list in the database
(`keep`) for the importing authority to download as CSV (`csv_pieces`: streamed, audited).
No row values are kept anywhere: file, line, column and the reason, as in the answer.
"""

from __future__ import annotations

import csv
import heapq
import io
import re
import uuid
from array import array
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import asyncpg
import msgspec

from registry import audit_log
from registry.actor import Actor, acting
from registry.errors import NotFound

REPORT_LIMIT = 1_000  # rejected rows (problems) in an import's answer
PIECE = 5_000  # problems a piece of the download


class RowProblem(msgspec.Struct):
    file: str
    line: int
    field: str
    message: str


class ProblemCount(msgspec.Struct):
    """How many problems of one kind: a file's column and the reason (numbers in it as N)."""

    file: str
    field: str
    reason: str
    rows: int


_NUMBER = re.compile(r"\d+")


def reason_of(message: str) -> str:
    """A message with its numbers left out ("Line N has the same licence number")."""
    return _NUMBER.sub("N", message)


class Rejections:
    """Every problem of an import, compactly: a line number and a code for (file, field,
    message) each; the distinct (file, field, message) kept once."""

    def __init__(self) -> None:
        self.files: list[str] = []  # the report's order of the files (others after)
        self.kinds: list[tuple[str, str, str]] = []
        self._codes: dict[tuple[str, str, str], int] = {}
        self.lines = array("q")
        self.codes = array("q")

    def add(self, file: str, line: int, field: str, message: str) -> None:
        kind = (file, field, message)
        code = self._codes.get(kind)
        if code is None:
            code = self._codes[kind] = len(self.kinds)
            self.kinds.append(kind)
        self.lines.append(line)
        self.codes.append(code)

    def __len__(self) -> int:
        return len(self.lines)

    def _rank(self, file: str) -> int:
        return self.files.index(file) if file in self.files else len(self.files)

    def _key(self, i: int) -> tuple[int, int, str]:
        file, field, _ = self.kinds[self.codes[i]]
        return (self._rank(file), self.lines[i], field)

    def _problem(self, i: int) -> RowProblem:
        file, field, message = self.kinds[self.codes[i]]
        return RowProblem(file, self.lines[i], field, message)

    def first(self, n: int = REPORT_LIMIT) -> list[RowProblem]:
        """The first n problems in the report's order (file, line, column)."""
        return [self._problem(i) for i in heapq.nsmallest(n, range(len(self)), key=self._key)]

    def ordered(self) -> Iterator[RowProblem]:
        """Every problem in the report's order, sorting one 64-bit number a problem."""
        fields = {f: n for n, f in enumerate(sorted({k[1] for k in self.kinds}))}
        ranks = [(min(self._rank(f), 3) << 12) | fields[field] for f, field, _ in self.kinds]
        # the file (2 bits), the line (28), the column (8), then the problem's index (24)
        keys = array(
            "q",
            sorted(
                (ranks[c] >> 12 << 60)
                | (min(line, (1 << 28) - 1) << 32)
                | ((ranks[c] & 0xFF) << 24)
                | i
                for i, (line, c) in enumerate(zip(self.lines, self.codes, strict=True))
            ),
        )
        for key in keys:
            yield self._problem(key & 0xFFFFFF)

    def counts(self) -> list[ProblemCount]:
        """Problems per file, column and reason, most first."""
        by_kind: Counter[tuple[str, str, str]] = Counter()
        for code, n in Counter(self.codes).items():
            file, field, message = self.kinds[code]
            by_kind[(file, field, reason_of(message))] += n
        return [
            ProblemCount(file, field, reason, n)
            for (file, field, reason), n in sorted(
                by_kind.items(), key=lambda item: (-item[1], item[0])
            )
        ]


NEW_LIST = """
INSERT INTO import_rejection_list (authority_id, user_id, imported, rows_rejected)
VALUES ($1, $2, $3, $4) RETURNING id, public_id
"""
LIST_OF = """
SELECT id, authority_id FROM import_rejection_list WHERE public_id = $1
"""
PROBLEMS_FROM = """
SELECT n, file, line, field, message FROM import_rejection
WHERE list_id = $1 AND n > $2 ORDER BY n LIMIT $3
"""


async def keep(
    conn: asyncpg.Connection, actor: Actor, rejections: Rejections, *, imported: bool, rows: int
) -> uuid.UUID:
    """Keep the whole list (inside the caller's acting transaction); its public id."""
    row = await conn.fetchrow(NEW_LIST, actor.authority_id, actor.user_id, imported, rows)
    await conn.copy_records_to_table(
        "import_rejection",
        records=(
            (row["id"], n, p.file, p.line, p.field, p.message)
            for n, p in enumerate(rejections.ordered(), start=1)
        ),
        columns=("list_id", "n", "file", "line", "field", "message"),
    )
    public_id: uuid.UUID = row["public_id"]
    return public_id


def _csv(rows: list[asyncpg.Record], header: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["file", "line", "field", "message"])
    writer.writerows((r["file"], r["line"], r["field"], r["message"]) for r in rows)
    return out.getvalue()


async def csv_pieces(
    conn: asyncpg.Connection, pool: asyncpg.Pool, actor: Actor, list_id: uuid.UUID
) -> AsyncIterator[str]:
    """The whole list as CSV text, PIECE problems a piece, for the authority that imported
    only (NotFound for anyone else, as for a list that does not exist). The download is
    recorded in the audit log before the first piece."""
    found = await conn.fetchrow(LIST_OF, list_id)
    if found is None or found["authority_id"] != actor.authority_id:
        raise NotFound("import rejections")
    async with acting(conn, actor):
        await audit_log.record(
            conn,
            action="export",
            user_id=actor.user_id,
            authority_id=actor.authority_id,
            subject=f"import_rejections:{list_id}",
            detail={},
        )

    async def pieces() -> AsyncIterator[str]:
        after, header = 0, True
        while True:
            async with pool.acquire() as reader:
                rows = await reader.fetch(PROBLEMS_FROM, found["id"], after, PIECE)
            if rows or header:
                yield _csv(rows, header)
            header = False
            if len(rows) < PIECE:
                return
            after = rows[-1]["n"]

    return pieces()
