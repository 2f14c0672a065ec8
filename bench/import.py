"""Bulk import speed: N drivers with one licence each (2N rows), against a plain COPY.

The register already holds some drivers recorded by another authority, and a share of the
imported drivers are those same people (some under another spelling), so the import matches
and links as it would on a real council's first day.

Baseline, in the same run: COPY of the same two CSV files into text staging tables, which is
the least any import must do. The figure reported is import time / COPY time.

    .venv/bin/python bench/import.py                  # 50,000 drivers + 50,000 licences
    .venv/bin/python bench/import.py --drivers 100000 # 200,000 rows
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from licensing import db, pgcluster
from licensing.migrate import migrate
from registry.actor import Actor, acting
from registry.authorities import by_code, load_reference
from registry.identifiers import gb_licence_for
from registry.importer import Source, import_records

FORENAMES = [
    "Mohammed",
    "Muhammad",
    "Stephen",
    "Steven",
    "Sarah",
    "Imran",
    "Aisha",
    "John",
    "Tariq",
    "Emma",
    "David",
    "Fatima",
    "Paul",
    "Asif",
    "Joanne",
    "Kamran",
    "Gary",
    "Nadia",
    "Adeel",
    "Michelle",
    "Zahid",
    "Karen",
    "Shahid",
    "Lee",
]
SURNAMES = [
    "Khan",
    "Ali",
    "Hussain",
    "Ahmed",
    "Smith",
    "Jones",
    "Walker",
    "O'Neill",
    "Smith-Jones",
    "Begum",
    "Iqbal",
    "Taylor",
    "Brown",
    "Shah",
    "Akhtar",
    "Wilson",
    "Rashid",
    "Mahmood",
    "Evans",
    "Thomas",
    "Hughes",
    "Malik",
    "Butt",
    "Robinson",
]
SPELLINGS = {"Mohammed": "Muhammad", "Stephen": "Steven", "Sarah": "Sara"}
CHECK = "ABCDEFGHJKLMNPRSTUVWX"
POSTCODES = ["S60 1AA", "S65 2BB", "B70 9DE", "WV1 1AA", "BL1 1RU", "M1 1AE", ""]
HOMES = ["E08000018", "E08000031", "E08000001", "E08000039", ""]
NI_PREFIXES = ["AB", "CE", "JH", "KL", "PR", "SW"]


def people(n: int, seed: int) -> list[dict]:
    """n distinct people with unique identifiers, the same for the same seed."""
    rng = random.Random(seed)
    out, numbers, seen = [], set(), set()
    for i in range(n):
        while True:  # distinct people: no two share first forename, surname and birthday
            forenames = rng.choice(FORENAMES) + (
                " " + rng.choice(FORENAMES) if rng.random() < 0.3 else ""
            )
            surname = rng.choice(SURNAMES)
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
            first = SPELLINGS.get(forenames.split()[0], forenames.split()[0])
            if (first, surname, born) not in seen:
                seen.add((first, surname, born))
                break
        sex = (
            "F"
            if forenames.split()[0]
            in ("Sarah", "Aisha", "Emma", "Fatima", "Joanne", "Nadia", "Michelle", "Karen")
            else "M"
        )
        gb = None
        if rng.random() < 0.9:
            gb = gb_licence_for(
                surname,
                forenames,
                born,
                sex,
                position14=rng.choice(CHECK),
                check=rng.choice(CHECK) + rng.choice(CHECK),
            )
            gb = None if gb in numbers else gb
            numbers.add(gb)
        ni = f"{NI_PREFIXES[i % 6]}{i // 6:06d}{'ABCD'[i % 4]}" if rng.random() < 0.7 else ""
        out.append(
            {
                "forenames": forenames,
                "surname": surname,
                "born": born,
                "sex": sex,
                "gb": gb or "",
                "ni": ni,
                "postcode": rng.choice(POSTCODES),
                "home": rng.choice(HOMES),
            }
        )
    return out


def drivers_csv(rows: list[dict], respell: bool = False) -> str:
    out = io.StringIO()
    out.write(
        "driver_ref,forenames,surname,date_of_birth,sex,gb_licence_number,ni_number,"
        "address,postcode,home_authority\n"
    )
    for i, p in enumerate(rows):
        forenames = p["forenames"]
        if respell:
            first, *rest = forenames.split()
            forenames = " ".join([SPELLINGS.get(first, first), *rest])
        surname = p["surname"].replace(",", "")
        out.write(
            f'R{i},{forenames},"{surname}",{p["born"]},{p["sex"]},{p["gb"]},{p["ni"]},'
            f'"{i} High Street",{p["postcode"]},{p["home"]}\n'
        )
    return out.getvalue()


def licences_csv(n: int, today: date, seed: int) -> str:
    rng = random.Random(seed + 1)
    out = io.StringIO()
    out.write(
        "driver_ref,licence_number,kind,status,granted_on,starts_on,expires_on,status_changed_on\n"
    )
    for i in range(n):
        starts = today - timedelta(days=rng.randrange(1, 1000))
        ends = (
            starts.replace(year=starts.year + 3)
            if (starts.month, starts.day) != (2, 29)
            else starts.replace(year=starts.year + 3, day=28)
        )
        status = (
            "current"
            if rng.random() < 0.93
            else rng.choice(["revoked", "surrendered", "suspended"])
        )
        changed = "" if status == "current" else str(min(today, starts + timedelta(days=100)))
        kind = rng.choice(["private_hire", "private_hire", "hackney_carriage", "dual"])
        out.write(f"R{i},RB{i:07d},{kind},{status},{starts},{starts},{ends},{changed}\n")
    return out.getvalue()


def source(name: str, text: str) -> Source:
    return Source(name=name, lines=io.StringIO(text, newline=""))


async def timed_import(
    url: str, code: str, drivers: str, licences: str | None
) -> tuple[float, object]:
    conn = await db.connect(url)
    try:
        authority = await by_code(conn, code)
        actor = Actor(user_id=None, authority_id=authority.id)
        started = time.perf_counter()
        async with acting(conn, Actor(None, authority.id)):
            report = await import_records(
                conn,
                actor,
                drivers=source("drivers.csv", drivers),
                licences=source("licences.csv", licences) if licences else None,
                authority_code=code,
            )
        return time.perf_counter() - started, report
    finally:
        await conn.close()


async def timed_copy(url: str, drivers: str, licences: str) -> float:
    """The baseline: the same CSV bytes COPied into text staging tables, in one transaction."""
    conn = await db.connect(url)
    try:
        started = time.perf_counter()
        async with conn.transaction():
            await conn.execute(
                "CREATE TEMP TABLE copy_driver (driver_ref text, forenames text, surname text, "
                "date_of_birth text, sex text, gb_licence_number text, ni_number text, address text, "
                "postcode text, home_authority text) ON COMMIT DROP;"
                "CREATE TEMP TABLE copy_licence (driver_ref text, licence_number text, kind text, "
                "status text, granted_on text, starts_on text, expires_on text, "
                "status_changed_on text) ON COMMIT DROP"
            )
            for table, text in (("copy_driver", drivers), ("copy_licence", licences)):
                await conn.copy_to_table(
                    table, source=io.BytesIO(text.encode()), format="csv", header=True
                )
        return time.perf_counter() - started
    finally:
        await conn.close()


async def main(n: int, known: int, seed: int) -> None:
    folder = pgcluster.throwaway("crosscheck-bench-")
    cluster = pgcluster.start(folder, fast=True)
    try:
        await pgcluster.create_database(cluster, "bench")
        url = cluster.url("bench")
        owner = await asyncpg.connect(url)
        await migrate(owner)
        await load_reference(owner)
        await owner.close()
        today = date.today()
        everyone = people(n, seed)
        # Drivers another authority (Sheffield) already recorded: the first `known` people,
        # some spelled differently. Loaded first, not timed.
        setup_seconds, _ = await timed_import(
            url, "E08000039", drivers_csv(everyone[:known], respell=True), None
        )
        drivers, licences = drivers_csv(everyone), licences_csv(n, today, seed)
        copy_seconds = await timed_copy(url, drivers, licences)
        import_seconds, report = await timed_import(url, "E08000018", drivers, licences)
        copy_again = await timed_copy(url, drivers, licences)
        baseline = min(copy_seconds, copy_again)
        rows = report.drivers.rows + report.licences.rows
        print(
            f"rows imported: {rows:,} ({report.drivers.rows:,} drivers, {report.licences.rows:,} licences); "
            f"rejected {len(report.rejected)}"
        )
        if report.rejected:
            from collections import Counter

            reasons = Counter((p.file, p.field, p.message) for p in report.rejected)
            for (file, field, message), count in reasons.most_common(5):
                print(f"  rejected {count:,}: {file} {field}: {message}")
        print(
            f"drivers created {report.drivers_created:,}, linked to another authority's record "
            f"{report.drivers_linked:,}, alias names added {report.names_added:,}"
        )
        print(f"plain COPY of the same CSV (baseline, best of 2): {baseline:.2f}s")
        print(f"crosscheck import:                               {import_seconds:.2f}s")
        print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"ratio import / COPY: {import_seconds / baseline:.1f}x   "
            f"({rows / import_seconds:,.0f} rows/s; setup import of {known:,} not timed: "
            f"{setup_seconds:.1f}s)"
        )
    finally:
        pgcluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--drivers", type=int, default=50_000, help="drivers to import (one licence each)"
    )
    parser.add_argument(
        "--known",
        type=int,
        default=None,
        help="of those, how many the register already knows (default 10%%)",
    )
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    asyncio.run(
        main(args.drivers, args.known if args.known is not None else args.drivers // 10, args.seed)
    )
