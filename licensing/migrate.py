"""The migration runner: numbered plain SQL files, applied in order, never edited once applied.

Each file runs in its own transaction while the runner holds an advisory lock, so two
runners started at once apply every file exactly once between them. The checksum of every
applied file is recorded; an applied file that was edited afterwards stops the runner.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
LOCK_KEY = 0x6372_6F73_7363_6B  # "crosschk": any fixed number works, it only has to be shared

LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(Exception):
    """A migration cannot be applied; the message names the file and the problem."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class Status:
    migration: Migration
    applied: bool
    edited: bool


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_description.sql")
        found.append(Migration(int(match.group(1)), path.name, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"{migration.name}: migrations must be numbered 0001, 0002, ... with no gaps; "
                f"expected {expected:04d}"
            )
    return found


async def _applied(conn: asyncpg.Connection) -> dict[int, str]:
    await conn.execute(LEDGER)
    rows = await conn.fetch("SELECT version, checksum FROM schema_migration")
    return {row["version"]: row["checksum"] for row in rows}


def _check_unedited(migrations: list[Migration], applied: dict[int, str]) -> None:
    for migration in migrations:
        recorded = applied.get(migration.version)
        if recorded is not None and recorded != migration.checksum:
            raise MigrationError(
                f"{migration.name} was edited after it was applied to this database. Applied "
                "migrations must never change: restore the file and put the change in a new "
                "migration."
            )


async def status(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[Status]:
    migrations = discover(directory)
    applied = await _applied(conn)
    return [
        Status(m, m.version in applied, m.version in applied and applied[m.version] != m.checksum)
        for m in migrations
    ]


async def migrate(conn: asyncpg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; returns the names applied (empty when up to date)."""
    import asyncpg  # here, so the command line's help and light commands do not load it

    migrations = discover(directory)
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
    try:
        applied = await _applied(conn)
        _check_unedited(migrations, applied)
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            async with conn.transaction():
                try:
                    await conn.execute(migration.sql)
                except asyncpg.PostgresError as exc:
                    raise MigrationError(f"{migration.name} failed: {exc}") from None
                await conn.execute(
                    "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
