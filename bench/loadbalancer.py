"""Two service instances behind HAProxy on loopback, against one instance alone.

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/loadbalancer.py [--requests 2000]

Starts a throwaway PostgreSQL cluster, two `crosscheck serve` processes and HAProxy (Debian's
package, installed by scripts/setup.sh) balancing between them round robin. Reports:

- throughput of an authenticated API read (GET /api/v1/me with a bearer token, which looks the
  token up in PostgreSQL) at a fixed concurrency, through HAProxy to two instances and straight
  to one instance, alternating in the same run; the ratio is two-behind-HAProxy over one;
- that one API token works on both instances, and that a session signed in on one instance's
  pages is honoured by the other (sessions and tokens live in PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from licensing import pgcluster  # noqa: E402
from tests.outage_support import migrated_database, serving  # noqa: E402
from tests.pages.conftest import make_account, sign_in  # noqa: E402

HAPROXY = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend crosscheck
    bind 127.0.0.1:{port}
    default_backend instances
backend instances
    balance roundrobin
    option httpchk GET /ready
    server one 127.0.0.1:{one} check inter 2s
    server two 127.0.0.1:{two} check inter 2s
"""


async def hammer(base: str, headers: dict, requests: int, concurrency: int) -> float:
    """Requests per second of GET /api/v1/me at the given concurrency."""
    done = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one_lane() -> None:
            nonlocal done
            while done < requests:
                done += 1
                answer = await client.get("/api/v1/me", headers=headers)
                assert answer.status_code == 200, answer.text

        started = time.perf_counter()
        await asyncio.gather(*(one_lane() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not os.access(haproxy, os.X_OK):
        sys.exit("haproxy is not installed: run scripts/setup.sh --test")

    folder = pgcluster.throwaway("crosscheck-lb-")
    work = Path(tempfile.mkdtemp(prefix="crosscheck-lb-work-"))
    proxy = None
    try:
        cluster = pgcluster.start(folder)
        url = await migrated_database(cluster, "lb")
        conn = await asyncpg.connect(url)
        officer = await make_account(conn)
        await conn.close()
        env = {"SEARCHES_PER_HOUR": "1000000", "RECORD_OPENS_PER_HOUR": "1000000"}
        async with (
            serving(url, work / "one.log", **env) as one,
            serving(url, work / "two.log", **env) as two,
        ):
            port = pgcluster.free_port()
            config = work / "haproxy.cfg"
            config.write_text(
                HAPROXY.format(port=port, one=one.rsplit(":", 1)[1], two=two.rsplit(":", 1)[1])
            )
            proxy = await asyncio.create_subprocess_exec(
                haproxy, "-f", str(config), "-db", stderr=asyncio.subprocess.DEVNULL
            )
            balanced = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(timeout=5) as probe:
                for _ in range(100):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await probe.get(balanced + "/ready")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)

            # one token on both instances; a session from one instance on the other
            headers = officer["headers"]
            async with httpx.AsyncClient() as client:
                answers = [
                    (await client.get(base + "/api/v1/me", headers=headers)).status_code
                    for base in (one, two)
                ]
            token_ok = answers == [200, 200]
            session_ok = None
            with contextlib.suppress(Exception):
                async with httpx.AsyncClient(base_url=one) as first:
                    await sign_in(first, officer)
                    cookies = first.cookies
                async with httpx.AsyncClient(base_url=two, cookies=cookies) as second:
                    home = await second.get("/")
                session_ok = home.status_code == 200 and "Sign out" in home.text
            print(f"API token on both instances: {'yes' if token_ok else 'NO'}")
            print(
                "page session signed in on one, used on the other: "
                + {True: "yes", False: "NO", None: "not checked (sign-in failed)"}[session_ok]
            )

            await hammer(one, headers, 200, args.concurrency)  # warm both paths
            await hammer(balanced, headers, 200, args.concurrency)
            alone, behind = [], []
            for _ in range(args.rounds):
                alone.append(await hammer(one, headers, args.requests, args.concurrency))
                behind.append(await hammer(balanced, headers, args.requests, args.concurrency))
            a, b = statistics.median(alone), statistics.median(behind)
            print(
                f"GET /api/v1/me, {args.requests} requests x {args.rounds} rounds at concurrency "
                f"{args.concurrency}: one instance {a:.0f}/s, two behind HAProxy {b:.0f}/s, "
                f"ratio {b / a:.2f} (medians; {os.cpu_count()} cores shared with the database)"
            )
    finally:
        if proxy is not None and proxy.returncode is None:
            proxy.terminate()
            await proxy.wait()
        pgcluster.discard(folder)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
