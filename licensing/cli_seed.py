"""`crosscheck seed`: fill an empty register with synthetic drivers (demos, load tests).

Also the demo step (named in cli_service.DEMO_STEPS): `crosscheck serve --demo` seeds 5,000
drivers into an empty register.
"""

from __future__ import annotations

import asyncio

import asyncpg
import click

from licensing.cli import UserError, friendly, load_settings, main
from licensing.db import connect, urls
from licensing.progress import progress
from licensing.settings import Settings
from registry.counts import has_drivers
from registry.synthetic.activity import add_demo_activity
from registry.synthetic.seed import SeedError, SeedReport, seed

DEMO_DRIVERS = 5_000
DEMO_SEED = 2026


async def _seed(
    settings: Settings,
    drivers: int,
    seed_value: int,
    *,
    duplicates: int = 0,
    fresh_addresses: bool = False,
    only_if_empty: bool = False,
) -> SeedReport | None:
    _, owner_url = await urls(settings)
    conn = await connect(owner_url, as_app=False)  # seeding sets indexes and triggers aside
    try:
        if only_if_empty and await has_drivers(conn):
            return None
        with progress() as shown:
            return await seed(
                conn,
                drivers=drivers,
                seed=seed_value,
                duplicates=duplicates,
                fresh_addresses=fresh_addresses,
                progress=shown,
            )
    except SeedError as exc:
        raise UserError(str(exc)) from None
    except asyncpg.UndefinedTableError:
        raise UserError(
            "the database has no register yet: run `crosscheck db migrate` first"
        ) from None
    finally:
        await conn.close()


@main.command("seed")
@click.option(
    "--drivers",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="How many synthetic drivers to add.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=DEMO_SEED,
    show_default=True,
    help="Random seed: the same drivers and seed give the same register.",
)
@click.option(
    "--duplicates",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="How many of the drivers to record a second time as another driver (another "
    "spelling, a slipped date of birth, often another council), the truth kept in "
    "synthetic_duplicate so a duplicates job can be scored.",
)
@click.option(
    "--fresh-addresses",
    is_flag=True,
    help="Give every duplicate an address and postcode drawn afresh in its area, instead of "
    "mostly the home the first record gives (the hardest case for the duplicates job).",
)
@friendly
def seed_command(drivers: int, seed_value: int, duplicates: int, fresh_addresses: bool) -> None:
    """Fill an empty register with synthetic drivers, licences and decisions."""
    report = asyncio.run(
        _seed(
            load_settings(),
            drivers,
            seed_value,
            duplicates=duplicates,
            fresh_addresses=fresh_addresses,
        )
    )
    assert report is not None  # None only when asked to seed an empty register only
    for line in report.lines():
        click.echo(line)


async def _activity(settings: Settings) -> dict[str, int] | None:
    _, owner_url = await urls(settings)
    conn = await connect(owner_url, as_app=False)  # history: written as the schema owner
    try:
        return await add_demo_activity(conn)
    finally:
        await conn.close()


def demo_seed(settings: Settings) -> list[str]:
    """Demo step: synthetic drivers, so the demo has a register to search, and their recent
    activity (searches before grants, events that become alerts)."""
    report = asyncio.run(_seed(settings, DEMO_DRIVERS, DEMO_SEED, only_if_empty=True))
    lines = []
    if report is not None:
        lines.append(
            f"Seeded the register with {DEMO_DRIVERS:,} synthetic drivers (seed {DEMO_SEED}); "
            f"{report.total:,} rows in {report.seconds:.1f} s."
        )
    activity = asyncio.run(_activity(settings))
    if activity is not None:
        lines.append(
            f"Added {activity['searches']:,} searches before grants and "
            f"{activity['events']:,} recent register events (alerts follow shortly)."
        )
    return lines
