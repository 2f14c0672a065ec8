"""`crosscheck serve`: the web service (and, with --demo, everything a first look needs)."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Callable

import click

from licensing.cli import _migrate, friendly, load_settings, main

# Steps the demo runs before serving, in order, as "module:function": each takes the settings
# and returns lines to print. Named, not imported, so `serve` without --demo loads none of them.
DEMO_STEPS = (
    "licensing.cli_seed:demo_seed",
    "licensing.cli_accounts:demo_accounts_step",
    "licensing.cli_worker:demo_mailbox_step",
)


def demo_steps() -> list[Callable]:
    """The functions DEMO_STEPS names, in order."""
    found = []
    for step in DEMO_STEPS:
        module, name = step.split(":")
        found.append(getattr(importlib.import_module(module), name))
    return found


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port to listen on (default 8000).")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
@click.option("--demo", is_flag=True, help="Migrate, add demo data and a local mailbox first.")
@friendly
def serve(host: str | None, port: int | None, workers: int, demo: bool) -> None:
    """Run the web service (API and pages)."""
    if host:
        os.environ["CROSSCHECK_HOST"] = host
    if port:
        os.environ["CROSSCHECK_PORT"] = str(port)
    if demo:
        os.environ["CROSSCHECK_DEMO"] = "true"  # the served processes may use the private cluster
    settings = load_settings()
    lines = []
    if not demo:
        # outside the demo, never create a cluster: say so in one line before serving
        from licensing import db

        asyncio.run(db.service_urls(settings))
    if demo:
        asyncio.run(_migrate())
        for step in demo_steps():
            lines += step(settings)
    click.echo(f"\nCrosscheck is running: open {settings.base_url}/")
    for line in lines:
        click.echo(line)
    # granian (Rust HTTP, uvloop) measured about 1.2-1.6x uvicorn's throughput on the search
    # benchmark (bench/search_http.py --server); the process becomes the server.
    os.execv(
        sys.executable,
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--no-ws",
            "--log-level",
            "warning",
            "--factory",
            "licensing.app:create_app",
        ],
    )
