"""`crosscheck match`: the match model (registry/match/)."""

from __future__ import annotations

import asyncio

import click

from licensing.cli import friendly, load_settings, main
from licensing.db import connect, urls


@main.group("match")
def match_group() -> None:
    """The match model: estimate its weights from the register (u) and planted duplicates (m)."""


async def _train(pairs: int, export: bool, command: str) -> dict[str, object]:
    from registry.match import train

    _, owner_url = await urls(load_settings())
    conn = await connect(owner_url, as_app=False)
    try:
        summary = await train.train(conn, pairs=pairs)
        if export:
            await train.export(conn, command)
        return summary
    finally:
        await conn.close()


@match_group.command("train")
@click.option(
    "--pairs",
    type=click.IntRange(min=1000),
    default=100_000,
    show_default=True,
    help="How many random pairs of drivers to count u over.",
)
@click.option(
    "--export",
    is_flag=True,
    help="Also write the model to registry/data/ (the shipped model; on a seeded register).",
)
@friendly
def train_command(pairs: int, export: bool) -> None:
    """Estimate the match weights: u from this register, m from its planted duplicates (or
    kept), and the name frequencies; the search and pair scoring use them at once."""
    command = f"crosscheck match train --pairs {pairs} --export"
    summary = asyncio.run(_train(pairs, export, command))
    click.echo(
        f"trained on {summary['drivers']} drivers: {summary['pairs']} random pairs, "
        f"{summary['planted']} planted duplicates"
    )
