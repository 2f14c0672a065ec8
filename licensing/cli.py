"""The `crosscheck` command. Every failure ends in one clear message, never a traceback."""

from __future__ import annotations

import asyncio
import functools
import sys

import click

from licensing import migrate as migrations
from licensing import pgcluster
from licensing import settings as settings_module
from licensing.db import connect, urls
from licensing.settings import ConfigError

EXPECTED = (ConfigError, pgcluster.ClusterError, migrations.MigrationError)


class UserError(Exception):
    """A command was given something it cannot use; the message says what."""


def friendly(func):
    """Turn the errors a user can cause into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (*EXPECTED, UserError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except OSError as exc:
            click.echo(
                f"Error: could not reach the database or a file: {exc.strerror or exc}", err=True
            )
            sys.exit(1)

    return wrapper


def load_settings() -> settings_module.Settings:
    return settings_module.load()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Crosscheck: the national register of taxi and private hire driver licensing."""


@main.group()
def db() -> None:
    """The database: the private cluster and its migrations."""


async def _migrate() -> list[str]:
    from registry.authorities import load_reference
    from registry.names import load_name_reference

    _, url = await urls(load_settings())
    conn = await connect(url, as_app=False)
    try:
        applied = await migrations.migrate(conn)
        await load_reference(conn)
        await load_name_reference(conn)
        return applied
    finally:
        await conn.close()


@db.command("migrate")
@friendly
def db_migrate() -> None:
    """Apply pending migrations and refresh the licensing-authority reference data."""
    applied = asyncio.run(_migrate())
    if applied:
        for name in applied:
            click.echo(f"applied {name}")
    else:
        click.echo("database is up to date")


@db.command("status")
@friendly
def db_status() -> None:
    """List every migration and whether it is applied."""

    async def run() -> list[migrations.Status]:
        conn = await connect((await urls(load_settings()))[1], as_app=False)
        try:
            return await migrations.status(conn)
        finally:
            await conn.close()

    for item in asyncio.run(run()):
        state = "EDITED AFTER APPLYING" if item.edited else "applied" if item.applied else "pending"
        click.echo(f"{item.migration.name:50} {state}")


@db.command("start")
@friendly
def db_start() -> None:
    """Start the private PostgreSQL cluster (created on first use) and print its URL."""
    s = load_settings()
    if s.database_url:
        raise UserError("DATABASE_URL is set, so there is no private cluster to start")
    cluster = pgcluster.start(s.data_dir)
    asyncio.run(pgcluster.create_database(cluster))
    click.echo(cluster.url())


@db.command("stop")
@friendly
def db_stop() -> None:
    """Stop the private PostgreSQL cluster cleanly."""
    s = load_settings()
    if s.database_url:
        raise UserError("DATABASE_URL is set: the database is not this project's to stop")
    click.echo("stopped" if pgcluster.stop(s.data_dir) else "no private cluster was running")


def register(command: click.Command) -> None:
    """Add a command defined in another module (keeps this file the single entry point)."""
    main.add_command(command)


def _load_subcommands() -> None:
    import importlib

    for module in (
        "licensing.cli_seed",
        "licensing.cli_service",
        "licensing.cli_accounts",
        "licensing.cli_import",
        "licensing.cli_summary",
        "licensing.cli_worker",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_load_subcommands()
