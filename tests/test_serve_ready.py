"""`crosscheck serve` says the service is running only once it answers /ready, on the port
asked for (PORT, as hosting platforms set it, when CROSSCHECK_PORT is not set)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
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
            urllib.request.urlopen, f"http://127.0.0.1:{port}/ready", None, 60
        )
        assert ready.status == 200
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 60)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_a_service_that_cannot_start_leaves_no_process_behind(db_url):
    """An operator starts the service on a port something else holds (it accepts connections
    and never answers): the server cannot bind and exits, and the process that waits to say
    "running" goes with it instead of polling for minutes."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen(64)
        port = squatter.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            CROSSCHECK,
            "serve",
            "--port",
            str(port),
            env={**os.environ, "DATABASE_URL": db_url, "CROSSCHECK_SCHEDULER": "false"},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so every process it left is found
        )
        try:
            async with asyncio.timeout(120):
                assert await process.wait() != 0
            for _ in range(300):  # 60 s; one /ready poll times out after 5 s
                if not _group_alive(process.pid):
                    break
                await asyncio.sleep(0.2)
            assert not _group_alive(process.pid)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
