"""`crosscheck import`: load a council's existing drivers, licences and decisions from CSV."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TextIO, TypedDict, overload

import asyncpg
import click
import msgspec

from licensing import db
from licensing.cli import UserError, friendly, load_settings, main
from licensing.progress import progress, wanted
from registry.actor import Actor, acting
from registry.authorities import by_code
from registry.errors import from_database
from registry.import_rejections import Rejections
from registry.importer import ImportReport, Source, import_records

SHOWN = 50  # rejected rows printed; --report writes them all


class Sources(TypedDict):
    """The files import_records reads, by parameter name (the drivers file is required)."""

    drivers: Source
    licences: Source | None
    decisions: Source | None


@overload
def _source(path: str, name: str, files: list[TextIO]) -> Source: ...
@overload
def _source(path: str | None, name: str, files: list[TextIO]) -> Source | None: ...
def _source(path: str | None, name: str, files: list[TextIO]) -> Source | None:
    if path is None:
        return None
    try:
        # kept open while the import reads it; the caller closes every file in `files`
        handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise UserError(f"cannot open the {name} file: {exc.strerror}") from None
    files.append(handle)
    return Source(name=Path(path).name, lines=handle, line_count=_line_count(path))


def _line_count(path: str) -> int | None:
    """Lines in the file, for the progress bar (a second of reading for a million rows)."""
    if not wanted(sys.stderr):
        return None
    with open(path, "rb") as raw:
        return sum(block.count(b"\n") for block in iter(lambda: raw.read(1 << 20), b""))


async def run_import(
    authority: str,
    drivers: str,
    licences: str | None,
    decisions: str | None,
    partial: bool,
    rejections: Rejections | None = None,
) -> ImportReport:
    url, _ = await db.urls(load_settings())
    conn = await db.connect(url)
    files: list[TextIO] = []
    try:
        found = await by_code(conn, authority)
        if found is None:
            raise UserError(f"there is no authority with the code {authority.strip().upper()}")
        if not found.licenses_drivers:
            raise UserError(f"{found.name} does not license drivers")
        actor = Actor(user_id=None, authority_id=found.id)
        sources: Sources = {
            "drivers": _source(drivers, "drivers", files),
            "licences": _source(licences, "licences", files),
            "decisions": _source(decisions, "decisions", files),
        }
        async with acting(conn, Actor(None, found.id)):
            try:
                with progress() as shown:
                    return await import_records(
                        conn,
                        actor,
                        **sources,
                        partial=partial,
                        authority_code=found.code,
                        progress=shown,
                        rejections=rejections,
                    )
            except UnicodeDecodeError:
                raise UserError("the files must be CSV saved as UTF-8") from None
            except asyncpg.IntegrityConstraintViolationError as exc:
                # a race with another writer: nothing was imported (the transaction rolls back)
                raise UserError(f"nothing was imported: {from_database(exc)}") from None
    finally:
        for handle in files:
            handle.close()
        await conn.close()


@main.command("import")
@click.option("--authority", required=True, help="The importing authority's GSS code (or TFL).")
@click.option("--drivers", required=True, type=click.Path(dir_okay=False), help="drivers CSV file")
@click.option("--licences", type=click.Path(dir_okay=False), help="licences CSV file")
@click.option("--decisions", type=click.Path(dir_okay=False), help="register decisions CSV file")
@click.option(
    "--partial",
    is_flag=True,
    help="Import the valid rows even if some are rejected (default: all or nothing).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the full report (every rejected row) here as JSON.",
)
@friendly
def import_command(
    authority: str,
    drivers: str,
    licences: str | None,
    decisions: str | None,
    partial: bool,
    report_path: str | None,
) -> None:
    """Import an authority's records from CSV files (format: docs/import-format.md)."""
    started = time.perf_counter()
    spool = Rejections()
    report = asyncio.run(run_import(authority, drivers, licences, decisions, partial, spool))
    seconds = time.perf_counter() - started
    if report_path:  # the whole list, not the first few the report carries
        whole = msgspec.structs.replace(report, rejected=list(spool.ordered()))
        Path(report_path).write_bytes(msgspec.json.format(msgspec.json.encode(whole)))
    for name in ("drivers", "licences", "decisions"):
        counts = getattr(report, name)
        if counts.rows or counts.rejected:
            click.echo(
                f"{name}: {counts.rows} rows, {counts.accepted} imported, "
                f"{counts.rejected} rejected"
            )
    for problem in report.rejected[:SHOWN]:
        click.echo(
            f"  rejected {problem.file} line {problem.line}, {problem.field}: {problem.message}",
            err=True,
        )
    if report.rejected_total > SHOWN:
        click.echo(
            f"  ... and {report.rejected_total - SHOWN} more"
            + (" (all in the report file)" if report_path else " (use --report to see all)"),
            err=True,
        )
    if report.warnings:
        click.echo(
            f"{len(report.warnings)} warning(s)" + (" in the report file" if report_path else "")
        )
    if not report.imported:
        raise UserError("nothing was imported: correct the rejected rows, or use --partial")
    click.echo(
        f"imported in {seconds:.1f}s: {report.drivers_created} drivers created, "
        f"{report.drivers_linked} linked to drivers already on the register, "
        f"{report.names_added} names added, {report.licences_created} licences, "
        f"{report.decisions_created} decisions"
    )
