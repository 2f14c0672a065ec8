"""The synthetic register: realistic, consistent, the same every time, and loaded quietly."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from licensing.cli_seed import demo_seed
from licensing.cli_service import demo_steps
from licensing.db import connect
from licensing.settings import load
from registry.identifiers import (
    gb_licence_for,
    gb_licence_warnings,
    normalise_ni_number,
    normalise_postcode,
)
from registry.synthetic.model import HAS_NI_NUMBER, HAS_POSTCODE, TABLES
from registry.synthetic.seed import VARIANTS, SeedError, seed
from registry.workdays import add_working_days
from tests.conftest import new_database
from tests.factories import make_driver, make_licence

TODAY = date(2026, 3, 2)
DRIVERS = 2_000
SEED = 11


SHAPE = (
    "SELECT array_agg(indexdef ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'",
    "SELECT array_agg(pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint",
    "SELECT array_agg(tgname::text || tgenabled::text ORDER BY tgname) FROM pg_trigger "
    "WHERE NOT tgisinternal",
)


async def shape(conn) -> list:
    return [await conn.fetchval(query) for query in SHAPE]


@pytest.fixture(scope="module")
async def seeded(cluster, template_url):
    """One register of 2,000 synthetic drivers, shared by the read-only tests below."""
    url = await new_database(cluster, template_url)
    conn = await connect(url, as_app=False)
    before = await shape(conn)
    report = await seed(conn, drivers=DRIVERS, seed=SEED, today=TODAY, worker=False)
    yield SimpleNamespace(conn=conn, report=report, shape_before=before)
    await conn.close()


async def digest(conn) -> dict[str, str]:
    """Each table's rows, hashed; a driver's public id is random by design (an opaque UUID,
    never drawn from the seed), so it is left out."""
    rows = "(to_jsonb(t) - 'public_id')::text"
    return {
        table: await conn.fetchval(
            f"SELECT md5(coalesce(string_agg({rows}, E'\\n' ORDER BY id), '')) FROM {table} t"
        )
        for table in TABLES
    }


async def test_the_same_seed_gives_the_same_register_whichever_process_draws_it(
    seeded, cluster, template_url
):
    conn = seeded.conn
    other = await connect(await new_database(cluster, template_url), as_app=False)
    try:
        await seed(other, drivers=DRIVERS, seed=SEED, today=TODAY, worker=True)
        assert await digest(other) == await digest(conn)
    finally:
        await other.close()


async def test_every_table_is_filled_at_plausible_rates(seeded):
    conn, report = seeded.conn, seeded.report
    counts = report.counts
    assert counts["driver"] == DRIVERS
    assert DRIVERS * 1.03 < counts["licence"] < DRIVERS * 1.3
    assert counts["licence_change"] > counts["licence"]
    assert 0.005 * DRIVERS < counts["register_entry"] < 0.02 * DRIVERS
    assert counts["information_request"] > 0 and counts["concern"] > 0
    for table, n in counts.items():
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == n
    women = await conn.fetchval("SELECT avg((sex = 'F')::int) FROM driver")
    assert 0.02 < women < 0.09
    ages = await conn.fetchrow(
        "SELECT min(date_part('year', age($1, date_of_birth))) AS youngest, "
        "max(date_part('year', age($1, date_of_birth))) AS oldest FROM driver",
        TODAY,
    )
    assert ages["youngest"] >= 21 and ages["oldest"] <= 75


async def test_seeding_records_no_register_events_and_leaves_the_triggers_on(seeded, db_url):
    conn = seeded.conn
    assert await conn.fetchval("SELECT count(*) FROM register_event") == 0
    disabled = await conn.fetch("SELECT tgname FROM pg_trigger WHERE tgenabled = 'D'")
    assert disabled == []


async def test_indexes_constraints_and_triggers_are_as_before_and_sequences_moved_on(seeded):
    conn = seeded.conn
    assert await shape(conn) == seeded.shape_before
    tx = conn.transaction()
    await tx.start()
    try:  # a driver recorded after seeding gets the next id, and raises events as usual
        driver_id = await make_driver(conn, forenames="New", surname="Driver")
        await make_licence(conn, driver_id)
        assert driver_id == DRIVERS + 1
        assert await conn.fetchval("SELECT count(*) FROM register_event") == 2
    finally:
        await tx.rollback()


async def test_seeding_a_register_that_has_drivers_is_refused(seeded):
    conn = seeded.conn
    with pytest.raises(SeedError, match="already holds 2,000 drivers"):
        await seed(conn, drivers=10, seed=1)


async def test_licence_numbers_agree_with_the_name_date_of_birth_and_sex(seeded):
    conn = seeded.conn
    rows = await conn.fetch(
        "SELECT forenames, surname, date_of_birth, sex, gb_licence_number FROM driver "
        "WHERE gb_licence_number IS NOT NULL"
    )
    assert len(rows) > 0.9 * DRIVERS
    for r in rows:
        assert (
            gb_licence_warnings(
                r["gb_licence_number"],
                surname=r["surname"],
                forenames=r["forenames"],
                date_of_birth=r["date_of_birth"],
                sex=r["sex"],
            )
            == []
        )
        assert (
            r["gb_licence_number"][:13]
            == gb_licence_for(r["surname"], r["forenames"], r["date_of_birth"], r["sex"])[:13]
        )


async def test_other_identifiers_are_valid(seeded):
    conn = seeded.conn
    ni_numbers = await conn.fetch("SELECT ni_number FROM driver WHERE ni_number IS NOT NULL")
    postcodes = await conn.fetch("SELECT postcode FROM driver WHERE postcode IS NOT NULL")
    assert len(ni_numbers) > 0.9 * HAS_NI_NUMBER * DRIVERS
    assert len(postcodes) > 0.9 * HAS_POSTCODE * DRIVERS
    for (ni,) in ni_numbers:
        assert normalise_ni_number(ni) == ni
    for (postcode,) in postcodes:
        assert normalise_postcode(postcode) == postcode


async def test_wolverhampton_licenses_mostly_people_who_live_elsewhere(seeded):
    conn = seeded.conn
    share, non_resident, from_manchester = await conn.fetchrow("""
        SELECT avg((a.name = 'Wolverhampton')::int),
               avg((d.home_authority_id <> l.authority_id)::int) FILTER (WHERE a.name = 'Wolverhampton'),
               avg((h.region = 'North West')::int) FILTER (WHERE a.name = 'Wolverhampton')
        FROM licence l JOIN driver d ON d.id = l.driver_id
        JOIN authority a ON a.id = l.authority_id JOIN authority h ON h.id = d.home_authority_id""")
    assert 0.04 < share < 0.10
    assert non_resident > 0.9
    assert from_manchester > 0.2
    most_drivers_licensed_at_home = await conn.fetchval("""
        SELECT avg((d.home_authority_id = l.authority_id)::int) FROM licence l
        JOIN driver d ON d.id = l.driver_id WHERE l.status = 'current'""")
    assert most_drivers_licensed_at_home > 0.75


async def test_names_are_as_varied_as_a_real_register(seeded):
    conn = seeded.conn
    surnames = {r[0] for r in await conn.fetch("SELECT DISTINCT surname FROM driver")}
    forenames = {r[0].split()[0] for r in await conn.fetch("SELECT DISTINCT forenames FROM driver")}
    for name in ("Khan", "Hussain", "Ahmed", "Singh", "Patel", "Smith"):
        assert name in surnames
    assert {"Mohammed", "Muhammad"} <= forenames
    assert any("'" in s for s in surnames) and any("-" in s for s in surnames)
    assert len(surnames) > 400


async def test_some_drivers_are_recorded_under_other_names(seeded):
    conn = seeded.conn
    with_alias = await conn.fetchval(
        "SELECT count(DISTINCT driver_id) FROM driver_name WHERE kind = 'alias'"
    )
    assert 0.02 * DRIVERS < with_alias < 0.07 * DRIVERS
    assert await conn.fetchval("SELECT count(*) FROM driver_name WHERE kind = 'former'") > 0
    assert await conn.fetchval("SELECT count(*) FROM driver_name WHERE kind = 'current'") == DRIVERS
    # an alias is a different spelling, never the current name again
    assert (
        await conn.fetchval("""
        SELECT count(*) FROM driver_name a JOIN driver d ON d.id = a.driver_id
        WHERE a.kind = 'alias' AND a.forenames = d.forenames AND a.surname = d.surname""")
        == 0
    )
    assert VARIANTS["forenames"][0][:2] == ("Mohammed", "Muhammad")


async def test_name_keys_are_what_the_trigger_computes(seeded):
    conn = seeded.conn
    keys = "surname_key, forename_key, middle_keys, surname_sound, forename_sound, forename_group"
    seeded_keys = await conn.fetch(f"SELECT id, {keys} FROM driver_name ORDER BY id")
    tx = conn.transaction()
    await tx.start()
    try:
        await conn.execute("UPDATE driver_name SET forenames = forenames")  # fires driver_name_keys
        assert await conn.fetch(f"SELECT id, {keys} FROM driver_name ORDER BY id") == seeded_keys
    finally:
        await tx.rollback()
    assert all(r["surname_key"] for r in seeded_keys)


async def test_deadlines_count_working_days(seeded):
    conn = seeded.conn
    concerns = await conn.fetch("SELECT became_aware_on, report_due_on FROM concern")
    requests = await conn.fetch("SELECT requested_on, due_on FROM information_request")
    assert concerns and requests  # the seed makes both, so the checks below check something
    for aware, due in concerns:
        assert due == add_working_days(aware, 10)
    for asked, due in requests:
        assert due == add_working_days(asked, 20)


async def test_live_licences_have_their_history(seeded):
    conn = seeded.conn
    assert (
        await conn.fetchval("""
        SELECT count(*) FROM licence l WHERE NOT EXISTS (
            SELECT FROM licence_change c WHERE c.licence_id = l.id AND c.action = 'granted')""")
        == 0
    )
    kinds = dict(await conn.fetch("SELECT kind, count(*) FROM licence GROUP BY kind"))
    assert kinds["private_hire"] > kinds["dual"] > 0 and kinds["hackney_carriage"] > 0
    statuses = {r[0] for r in await conn.fetch("SELECT DISTINCT status FROM licence")}
    assert {"current", "expired", "surrendered", "revoked", "suspended"} <= statuses


async def crosscheck(*args: str, database_url: str) -> tuple[int, str, str]:
    """Run the installed `crosscheck` command against a test database."""
    command = Path(sys.executable).parent / "crosscheck"
    process = await asyncio.create_subprocess_exec(
        str(command),
        *args,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


async def test_the_seed_command_fills_an_empty_register_once(db_url):
    code, out, _ = await crosscheck("seed", "--drivers", "300", "--seed", "5", database_url=db_url)
    assert code == 0
    assert "driver" in out and " 300" in out and "all rows" in out
    code, out, err = await crosscheck("seed", "--drivers", "300", database_url=db_url)
    assert code == 1
    assert err.strip() == (
        "Error: the register already holds 300 drivers: seeding adds synthetic "
        "people, so it only runs on an empty register"
    )
    # the demo step leaves a register that has drivers alone, adding their activity once
    assert demo_seed in demo_steps()
    first = await asyncio.to_thread(demo_seed, load({"DATABASE_URL": db_url}))
    assert len(first) == 1 and first[0].startswith("Added ") and "searches" in first[0]
    assert await asyncio.to_thread(demo_seed, load({"DATABASE_URL": db_url})) == []


async def test_the_service_role_cannot_seed(conn):
    with pytest.raises(SeedError, match="must run as the owner"):
        await seed(conn, drivers=10, seed=1)
    assert await conn.fetchval("SELECT count(*) FROM driver") == 0
