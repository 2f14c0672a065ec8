"""`crosscheck serve` says the service is running only once it answers /ready, on the port
asked for (PORT, as hosting platforms set it, when CROSSCHECK_PORT is not set)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import urllib.request

from tests.outage_support import CROSSCHECK, free_port


async def test_running_is_said_only_once_the_service_answers_ready_on_port(db_url):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CROSSCHECK_PORT"}
    process = await asyncio.create_subprocess_exec(
        CROSSCHECK,
        "serve",
        env={
            **env,
            "PORT": str(port),
            "DATABASE_URL": db_url,
            "CROSSCHECK_SCHEDULER": "false",
            "CROSSCHECK_SECURE_COOKIES": "false",
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    seen = []
    try:
        async with asyncio.timeout(240):
            while True:
                line = (await process.stdout.readline()).decode()
                assert line, "the service stopped:\n" + "".join(seen)
                seen.append(line)
                if "is running" in line:
                    break
        assert "Starting the service." in "".join(seen)
        assert f":{port}/" in line
        # the moment it says so, it answers
        ready = await asyncio.to_thread(
            urllib.request.urlopen, f"http://127.0.0.1:{port}/ready", None, 5
        )
        assert ready.status == 200
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
