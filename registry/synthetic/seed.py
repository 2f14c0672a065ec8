"""A synthetic national register: drivers, names, licences and decisions for England and Wales.

`seed(conn, drivers=N, seed=S)` fills an empty register with N drivers and everything that
hangs off them. The same (N, S, today) gives identical rows: every draw comes from one
`random.Random(S)` in a fixed order (never the global generator, never `hash()` of a string,
never iteration over a set of strings), whether or not a worker process draws them.

The choices, and why
--------------------
Names (registry/synthetic/names.py): hand-written pools of the names common in each community that
drives taxis, topped up from faker's person providers, weighted by frequency. Each home
authority has an origin mix ("shire", "urban", "south_asian_metro", "sikh_hindu", "london",
"wales"): the trade in the northern and midland metropolitan boroughs is mostly of Pakistani,
Kashmiri and Bangladeshi heritage, London's is the most mixed. Hyphenated (Smith-Jones,
Al-Khatib) and apostrophe (O'Neill) surnames, Sikh names with Singh/Kaur as surname or
middle name, Polish/Lithuanian/Romanian names with and without their diacritics.
People: 95% men (the trade is about 98% male in England); ages 21 to 75, most around 50.
Identifiers: GB licence numbers built with `registry.identifiers.gb_licence_for` from the
current name, date of birth and sex (96% have one), unique by drawing position 14 and the
check letters again on a clash; National Insurance numbers (93%), a few Northern Ireland and
EU licences (Polish, Romanian, Lithuanian drivers), all unique; postcodes in the home
authority's postcode areas; addresses from a pool of street names.

Where drivers live: home authorities drawn by population times a trade density (London and
the metropolitan boroughs have more drivers per head than shire districts).
Who licenses them (the out-of-area model, registry.synthetic.model.out_of_area): most drivers are
licensed by their home authority. From some places a share goes elsewhere: Greater Manchester
boroughs 45% (85% of those to Wolverhampton, the rest to Rossendale or a neighbour), the West
Midlands boroughs 18% (mostly Wolverhampton), Lancashire towns 30% (Rossendale, Wolverhampton),
Liverpool, Wirral and St Helens 35% (Knowsley, Sefton), West Yorkshire 10%, the home counties
25% (three quarters to Transport for London), London 3%, everywhere else 5% (a quarter to
Wolverhampton, the rest to a neighbour in the region). Wolverhampton's own residents are
few of its drivers (4% of 21,188 in 2023/24), so its residents count half in the draw of
homes. With second licences and drivers licensed again after a revocation, Wolverhampton
ends up with about 6.5% of all licences, about 97% held by non-residents and about 40% by
Greater Manchester residents (the FOI figures: 96% and 53%); Rossendale's are mostly
non-residents too, Knowsley's and Sefton's about half.
Licences: private hire the majority, hackney carriage and dual the rest (TfL issues no dual
licences); 3-year terms (a few councils 1 year); a 'granted' history row, one 'renewed' row
per renewal in the last three years, and a closing row for expired, surrendered, suspended or
revoked licences. About 90% of drivers are licensed now; 5% hold a second licence elsewhere;
8% have an older licence from an authority they left.
Decisions (s.2): about 1.1% of drivers have a register entry (revoked 35%, refused 30%,
suspended 20%, refused renewal 15%), with s.1 categories; a third of those revoked or refused
were later licensed by another authority, mostly Wolverhampton (the pattern the register is
for). Some entries changed later (appeal allowed, reinstated, later granted, withdrawn).
Information requests (s.3) on about 40% of entries, due in 20 working days; concerns (s.5)
about 0.2% of drivers, due in 10 working days (registry.workdays.add_working_days).
Name variants: about 4% of drivers are also recorded, by another authority, under an alias
(VARIANTS: Mohammed/Muhammad, Steven/Stephen, Nadeem/Nadim, O'Neill/ONeill, Smith-Jones/
Smith Jones, diacritics dropped, a dropped middle name, initials, forenames or forename and
surname swapped round, Singh/Kaur placement), a fifth of those whose day of birth could be a
month with day and month swapped; most women and a few men have a former (maiden) surname.

Loading
-------
registry/synthetic/model.py draws the rows as COPY text, chunk by chunk; for large seeds that runs
in a separate process, so drawing the next chunk overlaps PostgreSQL loading this one (two
cores, no GIL in the way). Everything happens in one transaction, as the schema owner:
- Ids are supplied (COPY writes identity columns as given, like OVERRIDING SYSTEM VALUE),
  counting from each sequence's next value; the sequences are moved past them at the end.
- Foreign keys and secondary indexes of the loaded tables are dropped first and rebuilt from
  their own catalogue definitions afterwards, as pg_restore does (an index built over a full
  table is far cheaper than one grown row by row; a re-added foreign key is checked with one
  join). Primary keys, unique constraints and CHECK constraints stay in force throughout,
  and nothing else can see the tables meanwhile (the transaction holds their locks).
- Seeding is history, not news: the register-event triggers are disabled for the load, so
  seeding creates no register_event rows and raises no alerts.
- Name keys (driver_name.surname_key etc.) come from the very function the driver_name_keys
  trigger runs: names are staged in a temporary table, the trigger function is applied once
  per distinct forenames and per distinct surname (through a temporary table carrying that
  trigger), and INSERT ... SELECT joins the keys on. If driver_name has columns this module
  does not know, the keys trigger is left on instead.
- ANALYZE runs at the end.
Only an empty register can be seeded (no drivers): mixing synthetic and real people would be
a disaster, and the out-of-area shares only mean something for a whole register. There is no
--append.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from registry.progress import QUIET, Progress
from registry.synthetic.model import COLUMNS, TABLES, Generator, Places
from registry.synthetic.names import VARIANTS
from registry.today import london_today

Chunk = dict[str, bytes]  # COPY text per table

__all__ = ["VARIANTS", "SeedError", "SeedReport", "seed"]

CHUNK = 25_000
# From this many drivers, a worker process draws the rows while this one loads them; below
# it, starting a process costs more than it saves. Either way the rows are identical.
WORKER_FROM = 50_000

# Keys the driver_name_keys trigger fills: from the surname, and from the forenames.
SURNAME_KEYS = ("surname_key", "surname_sound")
FORENAME_KEYS = ("forename_key", "middle_keys", "forename_sound", "forename_group")
NAME_KEYS = SURNAME_KEYS + FORENAME_KEYS
NAME_KEYS_TRIGGER = "driver_name_keys"
# Triggers that turn changes into register events; seeding is history, so they stay quiet.
EVENT_TRIGGERS = (
    ("driver", "driver_event"),
    ("licence_change", "licence_change_event"),
    ("register_entry", "register_entry_event"),
    ("register_entry_change", "register_entry_change_event"),
    ("concern", "concern_event"),
    ("information_request", "information_request_event"),
)


class SeedError(Exception):
    """The register cannot be seeded; the message says why."""


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)  # rows written, per table
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase of the load

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        out = [f"{table:24} {n:>10,}" for table, n in self.counts.items()]
        out.append(f"{'all rows':24} {self.total:>10,}  in {self.seconds:.1f} s")
        return out


# --- before and after the load ------------------------------------------------------------------

PLACES_SQL = """
SELECT id, code, name, region, kind, population
FROM authority
WHERE licenses_drivers AND nation IN ('England', 'Wales') AND valid_to IS NULL
ORDER BY code
"""


async def _refuse_non_empty(conn: asyncpg.Connection) -> None:
    if await conn.fetchval("SELECT EXISTS (SELECT FROM driver)"):
        count = await conn.fetchval("SELECT count(*) FROM driver")
        raise SeedError(
            f"the register already holds {count:,} drivers: seeding adds synthetic "
            "people, so it only runs on an empty register"
        )


async def _first_ids(conn: asyncpg.Connection) -> dict[str, int]:
    """Each table's next id; the sequences are moved past the ids used at the end."""
    return {
        table: await conn.fetchval("SELECT nextval(pg_get_serial_sequence($1, 'id'))", table)
        for table in TABLES
    }


async def _move_sequences(
    conn: asyncpg.Connection, first: dict[str, int], counts: dict[str, int]
) -> None:
    for table in TABLES:
        n = counts[table]
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)",
            table,
            first[table] + n - 1 if n else first[table],
            n > 0,
        )


async def _set_triggers(conn: asyncpg.Connection, enable: bool, name_keys: bool) -> None:
    verb = "ENABLE" if enable else "DISABLE"
    triggers = EVENT_TRIGGERS + (("driver_name", NAME_KEYS_TRIGGER),) * name_keys
    for table, trigger in triggers:
        await conn.execute(f'ALTER TABLE {table} {verb} TRIGGER "{trigger}"')


FOREIGN_KEYS_SQL = """
SELECT conrelid::regclass::text AS tbl, quote_ident(conname) AS name,
       pg_get_constraintdef(oid) AS def
FROM pg_constraint
WHERE contype = 'f' AND conrelid = ANY($1::regclass[])
ORDER BY 1, 2
"""
INDEXES_SQL = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
WHERE i.indrelid = ANY($1::regclass[])
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


async def _set_aside(
    conn: asyncpg.Connection,
) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
    """Drop the loaded tables' foreign keys and secondary indexes; return their definitions."""
    fks = await conn.fetch(FOREIGN_KEYS_SQL, list(TABLES))
    indexes = await conn.fetch(INDEXES_SQL, list(TABLES))
    for fk in fks:
        await conn.execute(f"ALTER TABLE {fk['tbl']} DROP CONSTRAINT {fk['name']}")
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    return list(fks), list(indexes)


async def _put_back(
    conn: asyncpg.Connection,
    fks: list[asyncpg.Record],
    indexes: list[asyncpg.Record],
    progress: Progress = QUIET,
) -> None:
    await conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for index in indexes:
        await conn.execute(index["def"])
        progress.advance()
    for fk in fks:
        await conn.execute(f"ALTER TABLE {fk['tbl']} ADD CONSTRAINT {fk['name']} {fk['def']}")
        progress.advance()


# --- names and their keys ----------------------------------------------------------------------

NAME_COLUMNS_SQL = """
SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
WHERE attrelid = 'driver_name'::regclass AND attnum > 0 AND NOT attisdropped
"""
KEYS_FUNCTION_SQL = """
SELECT tgfoid::regproc::text FROM pg_trigger
WHERE tgrelid = 'driver_name'::regclass AND tgname = $1 AND NOT tgisinternal
"""
STAGE_NAMES = (
    "CREATE TEMP TABLE seed_driver_name (LIKE driver_name INCLUDING DEFAULTS) ON COMMIT DROP"
)
PROBE_TABLE = (
    "CREATE TEMP TABLE seed_name_keys (LIKE driver_name INCLUDING DEFAULTS) ON COMMIT DROP"
)
# One probe row per distinct forenames and per distinct surname (paired up to halve the rows;
# the trigger's forename keys depend on the forenames only, its surname keys on the surname).
PROBE_NAMES = """
WITH f AS (SELECT forenames, row_number() OVER (ORDER BY forenames) AS n
           FROM (SELECT DISTINCT forenames FROM seed_driver_name) d),
     s AS (SELECT surname, row_number() OVER (ORDER BY surname) AS n
           FROM (SELECT DISTINCT surname FROM seed_driver_name) d)
INSERT INTO seed_name_keys (id, driver_id, kind, forenames, surname, date_of_birth)
SELECT n, 0, 'current', coalesce(f.forenames, 'X'), coalesce(s.surname, 'X'), DATE '2000-01-01'
FROM f FULL JOIN s USING (n)
"""
BASE = ", ".join(COLUMNS["driver_name"])
INSERT_NAMES_WITH_KEYS = f"""
INSERT INTO driver_name ({BASE}, {", ".join(NAME_KEYS)}) OVERRIDING SYSTEM VALUE
SELECT {", ".join("d." + c for c in COLUMNS["driver_name"])},
       {", ".join("s." + c for c in SURNAME_KEYS)}, {", ".join("f." + c for c in FORENAME_KEYS)}
FROM seed_driver_name d
JOIN (SELECT DISTINCT ON (surname) surname, {", ".join(SURNAME_KEYS)} FROM seed_name_keys) s
  USING (surname)
JOIN (SELECT DISTINCT ON (forenames) forenames, {", ".join(FORENAME_KEYS)} FROM seed_name_keys) f
  USING (forenames)
ORDER BY d.id
"""
INSERT_NAMES_BY_TRIGGER = f"""
INSERT INTO driver_name ({BASE}) OVERRIDING SYSTEM VALUE
SELECT {BASE} FROM seed_driver_name ORDER BY id
"""


async def _keys_function(conn: asyncpg.Connection) -> str | None:
    """The keys trigger's function, if this module knows every column of driver_name."""
    columns = set(await conn.fetchval(NAME_COLUMNS_SQL))
    if columns != set(COLUMNS["driver_name"]) | set(NAME_KEYS):
        return None
    function: str | None = await conn.fetchval(KEYS_FUNCTION_SQL, NAME_KEYS_TRIGGER)
    return function


async def _insert_names(conn: asyncpg.Connection, keys_function: str | None) -> None:
    """Move the staged names into driver_name, with their keys."""
    if keys_function is None:
        await conn.execute(INSERT_NAMES_BY_TRIGGER)
        return
    await conn.execute(PROBE_TABLE)
    await conn.execute(
        f"CREATE TRIGGER seed_name_keys BEFORE INSERT ON seed_name_keys "
        f"FOR EACH ROW EXECUTE FUNCTION {keys_function}()"
    )
    await conn.execute(PROBE_NAMES)
    await conn.execute(INSERT_NAMES_WITH_KEYS)


# --- drawing the rows --------------------------------------------------------------------------


async def _chunks_here(generator: Generator, sizes: list[int]) -> AsyncGenerator[Chunk, None]:
    for n in sizes:
        yield generator.chunk(n)
        await asyncio.sleep(0)


async def _chunks_from_worker(
    place_rows: list[dict[str, Any]],
    seed_value: int,
    today: date,
    first: dict[str, int],
    sizes: list[int],
    duplicates: int,
    fresh_addresses: bool = False,
) -> AsyncGenerator[Chunk, None]:
    """Chunks drawn by a separate process (`python -m registry.synthetic.model`), which works on
    the next chunk while this one is loaded."""
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry.synthetic.model",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 20,
        env=_worker_env(),
    )
    stdin, stdout = worker.stdin, worker.stdout
    assert stdin is not None and stdout is not None  # both are pipes (PIPE above)
    try:
        orders = {
            "places": place_rows,
            "seed": seed_value,
            "today": today.isoformat(),
            "first_ids": first,
            "sizes": sizes,
            "drivers": sum(sizes),
            "duplicates": duplicates,
            "fresh_addresses": fresh_addresses,
        }
        stdin.write(json.dumps(orders).encode() + b"\n")
        await stdin.drain()
        stdin.close()
        while True:
            header = json.loads(await stdout.readline() or b'{"error": "the worker stopped"}')
            if "error" in header:
                raise SeedError(f"generating the rows failed: {header['error']}")
            if header.get("done"):
                return
            yield {
                table: await stdout.readexactly(n)
                for table, n in zip(TABLES, header["chunk"], strict=True)
            }
    finally:
        if worker.returncode is None:
            worker.kill()
        await worker.wait()


def _worker_env() -> dict[str, str]:
    """The environment with this package importable, however this process found it."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


async def _load(
    conn: asyncpg.Connection,
    chunks: AsyncGenerator[Chunk, None],
    counts: dict[str, int],
    sizes: list[int],
    progress: Progress,
) -> None:
    async with contextlib.aclosing(chunks):  # stops the worker if loading fails
        async for number, chunk in _numbered(chunks):
            for table in TABLES:
                data = chunk[table]
                if not data:
                    continue
                target = "seed_driver_name" if table == "driver_name" else table
                result = await conn.copy_to_table(
                    target, source=io.BytesIO(data), columns=list(COLUMNS[table]), format="text"
                )
                counts[table] += int(result.split()[-1])
            progress.advance(sizes[number])


async def _numbered(chunks: AsyncIterable[Chunk]) -> AsyncIterator[tuple[int, Chunk]]:
    number = 0
    async for chunk in chunks:
        yield number, chunk
        number += 1


async def seed(
    conn: asyncpg.Connection,
    *,
    drivers: int,
    seed: int,
    today: date | None = None,
    chunk: int = CHUNK,
    worker: bool | None = None,
    duplicates: int = 0,
    fresh_addresses: bool = False,
    progress: Progress = QUIET,
) -> SeedReport:
    """Fill an empty register with `drivers` synthetic drivers; the same inputs give the same rows.

    `duplicates` of them are recorded a second time as another driver (so the register holds
    drivers + duplicates driver rows), with the truth in synthetic_duplicate
    (registry/synthetic/duplicates.py). Most of them live where the first record says
    (duplicates.SAME_HOME); with `fresh_addresses` every one's address and postcode are drawn
    afresh in its area (the hardest case for the duplicates job).

    `conn` must be the schema owner's (it disables the event triggers and sets indexes aside
    for the load, inside its own transaction). `worker` forces drawing the rows in a separate
    process (True) or in this one (False); by default a worker is used for large seeds.
    Raises SeedError if the register already holds drivers.
    """
    if drivers < 1:
        raise SeedError("the number of drivers must be at least 1")
    if not 0 <= duplicates <= drivers:
        raise SeedError("the number of duplicates must be between 0 and the number of drivers")
    started = time.perf_counter()
    today = today or london_today()
    report = SeedReport(counts=dict.fromkeys(TABLES, 0))
    sizes = [min(chunk, drivers - i) for i in range(0, drivers, chunk)]
    clock = _Clock(report.phases)
    try:
        await _seed(
            conn,
            report,
            clock,
            seed,
            today,
            sizes,
            worker,
            (duplicates, fresh_addresses),
            progress,
        )
    except asyncpg.InsufficientPrivilegeError:
        raise SeedError(
            "seeding must run as the owner of the register's tables "
            "(the migration role), not as the service's role"
        ) from None
    report.seconds = time.perf_counter() - started
    return report


async def _seed(
    conn: asyncpg.Connection,
    report: SeedReport,
    clock: _Clock,
    seed: int,
    today: date,
    sizes: list[int],
    worker: bool | None,
    duplicates: tuple[int, bool],  # how many, and whether their addresses are drawn afresh
    progress: Progress,
) -> None:
    progress.phase("Preparing the register")
    async with conn.transaction():
        await _refuse_non_empty(conn)
        place_rows = [dict(r) for r in await conn.fetch(PLACES_SQL)]
        if not place_rows:
            raise SeedError("there are no licensing authorities: run `crosscheck db migrate` first")
        first = await _first_ids(conn)
        keys_function = await _keys_function(conn)
        await _set_triggers(conn, False, keys_function is not None)
        set_aside = await _set_aside(conn)
        await conn.execute(STAGE_NAMES)
        if worker if worker is not None else sum(sizes) >= WORKER_FROM:
            chunks = _chunks_from_worker(place_rows, seed, today, first, sizes, *duplicates)
        else:
            generator = Generator(seed, Places(place_rows), today, first, sum(sizes), *duplicates)
            chunks = _chunks_here(generator, sizes)
        clock.lap("prepare")
        progress.phase("Drawing and loading drivers", sum(sizes), "drivers")
        await _load(conn, chunks, report.counts, sizes, progress)
        clock.lap("draw and copy")
        progress.phase("Names and their search keys")
        await _insert_names(conn, keys_function)
        clock.lap("names and their keys")
        progress.phase("Indexes and foreign keys", len(set_aside[1]) + len(set_aside[0]), "steps")
        await _put_back(conn, *set_aside, progress=progress)
        clock.lap("indexes and foreign keys")
        await _move_sequences(conn, first, report.counts)
        await _set_triggers(conn, True, keys_function is not None)
    clock.lap("commit")
    progress.phase("Statistics for the planner")
    await conn.execute("ANALYZE " + ", ".join(TABLES))
    clock.lap("analyze")


class _Clock:
    def __init__(self, laps: dict[str, float]) -> None:
        self.laps = laps
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.last
        self.last = now
