"""`crosscheck serve`: the web service (and, with --demo, everything a first look needs)."""

from __future__ import annotations

import asyncio
import os

import click

from licensing.cli import _migrate, friendly, load_settings, main

# Steps the demo runs before serving, in order; other modules append to it (seeding, demo
# accounts, the local mailbox). Each takes the settings and returns lines to print.
DEMO_STEPS: list = []


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default 8000).")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
@click.option("--demo", is_flag=True, help="Migrate, add demo data and a local mailbox first.")
@friendly
def serve(host: str | None, port: int | None, workers: int, demo: bool) -> None:
    """Run the web service (API and pages)."""
    import uvicorn

    if host:
        os.environ["CROSSCHECK_HOST"] = host
    if port:
        os.environ["CROSSCHECK_PORT"] = str(port)
    settings = load_settings()
    lines = []
    if demo:
        asyncio.run(_migrate())
        for step in DEMO_STEPS:
            lines += step(settings)
    click.echo(f"\nCrosscheck is running: open {settings.base_url}/")
    for line in lines:
        click.echo(line)
    uvicorn.run("licensing.app:create_app", factory=True, host=settings.host, port=settings.port,
                workers=workers, log_level="warning", access_log=False)
