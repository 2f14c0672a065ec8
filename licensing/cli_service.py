"""`crosscheck serve`: the web service (and, with --demo, everything a first look needs)."""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import click

from licensing.cli import _migrate, friendly, load_settings, main
from licensing.settings import Settings

# Steps the demo runs before serving, in order, as "module:function": each takes the settings
# and returns lines to print (a `Secret` line goes to the terminal only, never to the output that
# becomes the service log). Named, not imported, so `serve` without --demo loads none of them.
DEMO_STEPS = (
    "licensing.cli_seed:demo_seed",
    "licensing.cli_accounts:demo_accounts_step",
    "licensing.cli_worker:demo_mailbox_step",
)


class Secret(str):
    """A line of the demo's sign-in details (a password, a token): for the person at the
    terminal, never for the service's log."""


DEMO_DETAILS = "demo-sign-in.txt"


def show_secrets(lines: list[str], data_dir: Path, tty: str = "/dev/tty") -> str:
    """Write the demo's secret lines to the controlling terminal, which a redirected or
    collected standard output (the service log) does not reach. With no terminal (a service
    manager, CI), to a file only its owner can read; returns the line to print instead."""
    text = "\n".join(lines) + "\n"
    try:
        with open(tty, "w") as terminal:
            terminal.write(text)
        return ""
    except OSError:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / DEMO_DETAILS
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(text)
        return f"Demo sign-in details (passwords, tokens) are in {path}, readable only by you."


def demo_steps() -> list[Callable[[Settings], list[str]]]:
    """The functions DEMO_STEPS names, in order."""
    found = []
    for step in DEMO_STEPS:
        module, name = step.split(":")
        found.append(getattr(importlib.import_module(module), name))
    return found


READY_WAIT_SECONDS = 300


def announce_when_ready(settings: Settings, secrets: list[str]) -> None:
    """A child process waits until the service answers /ready, then says it is running (and
    shows the demo's sign-in details); the parent goes on to become the server. The child
    stops as soon as the server has gone (one that could not start, or was stopped), rather
    than lingering for the whole wait."""
    server = os.getpid()
    if os.fork():
        return
    try:
        host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
        ready = f"http://{host}:{settings.port}/ready"
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while time.monotonic() < deadline and os.getppid() == server:
            try:
                with urllib.request.urlopen(ready, timeout=5) as answer:
                    if answer.status == 200:
                        click.echo(f"\nCrosscheck is running: open {settings.base_url}/")
                        if secrets and (instead := show_secrets(secrets, settings.data_dir)):
                            click.echo(instead)
                        return
            except OSError:  # not listening yet, or 503 while it starts
                pass
            time.sleep(0.5)
        if os.getppid() != server:
            return
        click.echo(
            f"Crosscheck did not answer {ready} within {READY_WAIT_SECONDS} s: "
            "see the messages above.",
            err=True,
        )
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


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
    elif os.environ.get("PORT") and not os.environ.get("CROSSCHECK_PORT"):
        os.environ["CROSSCHECK_PORT"] = os.environ["PORT"]  # as hosting platforms set it
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
    for line in lines:
        if not isinstance(line, Secret):
            click.echo(line)
    click.echo("Starting the service.")
    sys.stdout.flush()
    announce_when_ready(settings, [line for line in lines if isinstance(line, Secret)])
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
