"""The `crosscheck` command. Every failure ends in one clear message, never a traceback.

The command line answers at once: `crosscheck --help` and the light commands (`db start`,
`db stop`) load neither the service nor the database driver. Each command's module is imported
only when that command runs (COMMANDS below), and the heavy imports here sit inside the
functions that need them. tests/test_cli.py checks the modules loaded.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from licensing import migrate as migrations
from licensing import pgcluster
from licensing import settings as settings_module
from licensing.settings import ConfigError

# Every command defined outside this file: its module and its line in `crosscheck --help`
# (tests/test_cli.py checks each line is the first line of the command's own help).
COMMANDS = {
    "duplicates": (
        "licensing.cli_duplicates",
        "Possible duplicate driver records: find them for officers to decide.",
    ),
    "import": (
        "licensing.cli_import",
        "Import an authority's records from CSV files (format: docs/import-format.md).",
    ),
    "match": (
        "licensing.cli_match",
        "The match model: estimate its weights from the register (u) and planted duplicates (m).",
    ),
    "seed": (
        "licensing.cli_seed",
        "Fill an empty register with synthetic drivers, licences and decisions.",
    ),
    "serve": ("licensing.cli_service", "Run the web service (API and pages)."),
    "summary": (
        "licensing.cli_summary",
        "Write the DfT compliance summary (default period: the last complete quarter).",
    ),
    "token": (
        "licensing.cli_accounts",
        "API tokens for machine clients (shown once, stored only as a hash).",
    ),
    "user": (
        "licensing.cli_accounts",
        "Accounts: licensing officers, data protection officers, DfT analysts, administrators.",
    ),
    "worker": (
        "licensing.cli_worker",
        "Run the scheduler (alerts, reminders, housekeeping) in this process.",
    ),
}

EXPECTED = (ConfigError, pgcluster.ClusterError, migrations.MigrationError)


P = ParamSpec("P")
T = TypeVar("T")


class UserError(Exception):
    """A command was given something it cannot use; the message says what."""


def friendly(func: Callable[P, T]) -> Callable[P, T]:
    """Turn the errors a user can cause into one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
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


class LazyGroup(click.Group):
    """The top-level group: lists COMMANDS without importing them; imports one when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in COMMANDS and name not in self.commands:
            importlib.import_module(COMMANDS[name][0])  # its decorators add it to `main`
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (
                name,
                COMMANDS[name][1]
                if name in COMMANDS
                else self.commands[name].get_short_help_str(limit=1000),
            )
            for name in self.list_commands(ctx)
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Crosscheck: the national register of taxi and private hire driver licensing."""


@main.group()
def db() -> None:
    """The database: the private cluster and its migrations."""


async def _migrate() -> list[str]:
    from licensing.db import connect, urls
    from registry.authorities import load_reference
    from registry.match.train import load_match_model
    from registry.names import load_name_reference

    _, url = await urls(load_settings())
    conn = await connect(url, as_app=False)
    try:
        applied = await migrations.migrate(conn)
        await load_reference(conn)
        await load_name_reference(conn)
        await load_match_model(conn)
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

    from licensing.db import connect, urls

    async def run() -> list[migrations.Status]:
        conn = await connect((await urls(load_settings()))[1], as_app=False)
        try:
            return await migrations.status(conn)
        finally:
            await conn.close()

    for item in asyncio.run(run()):
        state = "EDITED AFTER APPLYING" if item.edited else "applied" if item.applied else "pending"
        click.echo(f"{item.migration.name:50} {state}")


@db.command("schema")
@friendly
def db_schema() -> None:
    """Rewrite migrations/schema.sql from the migrations (in a throwaway cluster)."""
    from licensing.db import connect

    async def migrated(url: str) -> None:
        conn = await connect(url, as_app=False)
        try:
            await migrations.migrate(conn)
        finally:
            await conn.close()

    folder = pgcluster.throwaway("crosscheck-schema-")
    try:
        cluster = pgcluster.start(folder, fast=True)
        try:
            asyncio.run(pgcluster.create_database(cluster))
            asyncio.run(migrated(cluster.url()))
            schema = migrations.dump_schema(cluster.url())
        finally:
            pgcluster.stop(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    migrations.SCHEMA_FILE.write_text(schema, encoding="utf-8")
    click.echo(f"wrote {migrations.SCHEMA_FILE}")


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


def _private_cluster(action: str) -> pgcluster.Cluster:
    s = load_settings()
    if s.database_url:
        raise UserError(
            f"DATABASE_URL is set: {action} that server with its own tools "
            "(pg_basebackup and WAL archiving, docs/operations.md)"
        )
    cluster = pgcluster.running(s.data_dir)
    if cluster is None:
        raise UserError("the private cluster is not running: start it with `crosscheck db start`")
    return cluster


@db.command("backup")
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Where backups and the WAL archive go (default: the data folder's backups/).",
)
@friendly
def db_backup(folder: Path | None) -> None:
    """Take a base backup of the private cluster, with its WAL archived from now on."""
    from licensing import pgbackup

    cluster = _private_cluster("back up")
    folder = (folder or load_settings().data_dir / "backups").resolve()
    base = asyncio.run(pgbackup.backup(cluster, folder))
    click.echo(f"base backup in {base}; WAL archived to {pgbackup.archive_dir(folder)}")


@db.command("restore")
@click.option("--to", "moment", required=True, help="The moment, ISO 8601 (UTC without a zone).")
@click.option(
    "--folder",
    type=click.Path(path_type=Path),
    default=None,
    help="The backups folder (default: the data folder's backups/).",
)
@click.option(
    "--into",
    type=click.Path(path_type=Path),
    default=None,
    help="A new folder for the restored cluster (default: the data folder's restored-TIME/).",
)
@friendly
def db_restore(moment: str, folder: Path | None, into: Path | None) -> None:
    """Restore the register as it stood at a moment into a new cluster; print its URL."""
    from licensing import pgbackup

    s = load_settings()
    when = pgbackup.parse_time(moment)
    folder = (folder or s.data_dir / "backups").resolve()
    into = (into or s.data_dir / f"restored-{when.strftime(pgbackup.STAMP)}").resolve()
    cluster = asyncio.run(pgbackup.restore(folder, when, into))
    click.echo(cluster.url())
