"""`crosscheck duplicates find`: look across the register for records that are one person."""

from __future__ import annotations

import asyncio

import click

from licensing.cli import UserError, friendly, load_settings, main
from licensing.db import connect, urls
from licensing.progress import progress
from licensing.settings import Settings
from registry import rescreen
from registry.actor import Actor, acting
from registry.duplicates import JobReport, find_duplicates
from registry.duplicates.compare import export_model
from registry.duplicates.find import latest_model

RESCREEN_TIMEOUT = "20min"  # as the scheduler's rescreen_adverse job


@main.group("duplicates")
def duplicates_group() -> None:
    """Possible duplicate driver records: find them for officers to decide."""


EXPORT = "crosscheck duplicates find --export"


async def _find(settings: Settings, export: bool = False) -> JobReport:
    app_url, _ = await urls(settings)
    conn = await connect(app_url)
    helper = await connect(app_url)  # pairs are scored on two connections: two cores
    try:
        with progress() as shown:
            report = await find_duplicates(conn, helpers=[helper], progress=shown)
        if report is not None and export and (model := await latest_model(conn)):
            export_model(model, EXPORT)
    finally:
        await helper.close()
        await conn.close()
    if report is None:
        raise UserError("the duplicates job is already running elsewhere; try again later")
    return report


@duplicates_group.command("find")
@click.option(
    "--export",
    is_flag=True,
    help="Also write the model to registry/data/duplicate_model.json (the shipped model).",
)
@friendly
def find_command(export: bool) -> None:
    """Compare every driver record with the others and raise possible duplicates (each part
    with its rate and the time left, on a terminal)."""
    report = asyncio.run(_find(load_settings(), export))
    click.echo(
        f"{report.names:,} names compared in {report.candidate_pairs:,} candidate pairs: "
        f"{report.found:,} possible duplicates ({report.new:,} new) in {report.seconds} s"
    )


async def _rescreen(settings: Settings) -> int:
    app_url, _ = await urls(settings)
    conn = await connect(app_url)
    try:
        with progress() as shown:
            async with acting(conn, Actor(None, None)):
                await conn.execute(f"SET LOCAL statement_timeout = '{RESCREEN_TIMEOUT}'")
                return len(await rescreen.sweep(conn, shown))
    finally:
        await conn.close()


@duplicates_group.command("rescreen")
@friendly
def rescreen_command() -> None:
    """Re-screen every driver with a register entry in force now (the nightly sweep), raising
    the probable pairs for officers (each part with its rate and the time left, on a
    terminal)."""
    matches = asyncio.run(_rescreen(load_settings()))
    click.echo(f"{matches:,} re-screening matches with another record holding a licence")
