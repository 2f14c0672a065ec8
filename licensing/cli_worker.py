"""`crosscheck worker`: the alert scheduler in a process of its own.

The service runs the same schedule by default (CROSSCHECK_SCHEDULER=true); a separate
worker may run beside it, or several may: every job is idempotent in the database.
Also the demo step that gives `crosscheck serve --demo` its local mailbox.
"""

from __future__ import annotations

import asyncio
import os
import signal

import click

from licensing.cli import UserError, friendly, load_settings, main
from licensing.settings import Settings


async def _work(settings: Settings, only: tuple[str, ...]) -> None:
    # imported here so other commands do not pay for loading the scheduler
    from alerts.config import AlertConfig
    from alerts.schedule import JOB_IDS, running
    from licensing import db

    service_url, _ = await db.service_urls(settings)
    pool = await db.create_pool(
        service_url,
        min_size=1,
        max_size=max(2, settings.pool_max),
        **db.limits(settings, settings.long_statement_timeout_ms),
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running(pool, AlertConfig.from_settings(settings), only=only):
            click.echo(f"worker running ({', '.join(only or JOB_IDS)}); stop with Ctrl+C", err=True)
            await stop.wait()
            click.echo("worker stopping: finishing the emails in flight", err=True)
    finally:
        await pool.close()


@main.command("worker")
@click.option(
    "--job",
    "jobs",
    multiple=True,
    metavar="JOB",
    help="Run only this job (repeatable; default: the whole schedule; --list names them).",
)
@click.option("--list", "list_jobs", is_flag=True, help="Show the schedule and exit.")
@friendly
def worker(jobs: tuple[str, ...], list_jobs: bool) -> None:
    """Run the scheduler (alerts, reminders, housekeeping) in this process."""
    import logging

    from alerts.config import AlertConfig
    from alerts.schedule import JOB_IDS, describe_schedule
    from licensing.logging_config import FORMAT

    unknown = sorted(set(jobs) - set(JOB_IDS))
    if unknown:
        raise UserError(f"no job named {', '.join(unknown)}; the jobs are {', '.join(JOB_IDS)}")
    if list_jobs:
        for line in describe_schedule(AlertConfig.from_settings(load_settings())):
            click.echo(line)
        return
    level = os.environ.get("CROSSCHECK_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO", format=FORMAT
    )
    asyncio.run(_work(load_settings(), jobs))


DEMO_DOMAIN = "alerts.demo.crosscheck.localhost"


async def _give_demo_addresses(settings: Settings) -> int:
    from licensing import db
    from registry.authorities import give_demo_addresses

    _, url = await db.urls(settings)
    conn = await db.connect(url)
    try:
        return await give_demo_addresses(conn, DEMO_DOMAIN)
    finally:
        await conn.close()


def demo_mailbox_step(settings: Settings) -> list[str]:
    """Start the service with a local mailbox and give every authority a demo address."""
    os.environ["CROSSCHECK_DEMO_MAILBOX"] = "true"
    asyncio.run(_give_demo_addresses(settings))
    return [
        f"Alert emails land in the demo mailbox (SMTP {settings.smtp_host}:{settings.smtp_port}); "
        f"everyone signed in reads it at {settings.base_url}/demo/mailbox "
        "(administrators also at /api/v1/demo-mailbox)"
    ]
