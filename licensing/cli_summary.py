"""`crosscheck summary`: the DfT compliance summary written to files, for scheduled extracts.

The same figures and columns as GET /api/v1/compliance/summary(.csv); docs/compliance.md
defines them. Runs read-only on two connections sharing a snapshot, with the summary
statement timeout (SUMMARY_TIMEOUT_MS).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
import msgspec

from licensing.cli import UserError, friendly, load_settings, main
from licensing.db import connect, urls
from licensing.progress import progress
from registry import compliance

FILES = ("national.csv", "authorities.csv", "rankings.csv", "summary.json", "summary.ods")


async def _summarise(period: compliance.Period, suppress: bool) -> compliance.ComplianceSummary:
    settings = load_settings()
    url, _ = await urls(settings)
    conn, second = await connect(url), await connect(url)
    try:
        for each in (conn, second):
            await each.execute(f"SET statement_timeout = {int(settings.summary_timeout_ms)}")
        with progress() as shown:
            return await compliance.summarise(
                conn, period, suppress=suppress, second=second, progress=shown
            )
    finally:
        await second.close()
        await conn.close()


def write_files(summary: compliance.ComplianceSummary, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    contents = {
        "national.csv": compliance.summary_csv(summary, authorities=False),
        "authorities.csv": compliance.summary_csv(summary, national=False),
        "rankings.csv": compliance.rankings_csv(summary),
        "summary.json": msgspec.json.format(msgspec.json.encode(summary), indent=2).decode() + "\n",
    }
    written = [out / "summary.ods"]
    written[0].write_bytes(compliance.summary_ods(summary))
    for name, text in contents.items():
        path = out / name
        # newline="" keeps the CSV's CRLF line ends exactly as written
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


@main.command("summary")
@click.option("--period", "quarter", metavar="YYYY-QN", help="A calendar quarter, like 2026-Q2.")
@click.option(
    "--financial-year",
    "financial_year",
    metavar="YYYY-YY",
    help="A financial year, like 2025-26 (drivers counted at 31 March).",
)
@click.option("--from", "start", metavar="DATE", help="First day of the period (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day of the period (YYYY-MM-DD).")
@click.option(
    "--snapshot",
    metavar="DATE",
    help="Count licensed drivers at this date (default: the period's last day; DfT uses 1 April).",
)
@click.option(
    "--exact",
    is_flag=True,
    help="Exact figures for DfT's own analysis, not for publication. By default counts from 1 "
    "to 4 are hidden ([c]), and the period is a quarter or a financial year.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write national.csv, authorities.csv, rankings.csv, summary.json and "
    "summary.ods to.",
)
@friendly
def summary(
    quarter: str | None,
    financial_year: str | None,
    start: str | None,
    end: str | None,
    snapshot: str | None,
    exact: bool,
    out: Path,
) -> None:
    """Write the DfT compliance summary (default period: the last complete quarter)."""
    try:
        period = compliance.resolve_period(
            quarter=quarter,
            financial_year=financial_year,
            start=start,
            end=end,
            snapshot=snapshot,
            published=not exact,
        )
    except compliance.PeriodError as exc:
        names = {
            "quarter": "--period",
            "financial_year": "--financial-year",
            "period_start": "--from",
            "period_end": "--to",
            "snapshot": "--snapshot",
        }
        raise UserError("; ".join(f"{names.get(f, f)} {m}" for f, m in exc.errors)) from None
    suppress = not exact
    result = asyncio.run(_summarise(period, suppress))
    for path in write_files(result, out):
        click.echo(f"wrote {path}")
    click.echo(
        f"period {period.start} to {period.end}, licensed drivers at {period.snapshot}"
        + (", small counts suppressed" if suppress else "")
    )
