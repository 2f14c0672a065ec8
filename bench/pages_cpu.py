"""The service's own CPU time per page (the alerts page and an officer's home page), in the
work tree and at a baseline commit, in the same run.

    nice -n 10 .venv/bin/python bench/pages_cpu.py --baseline eb26973~1

bench/pages.py measures throughput over HTTP against the same statements through asyncpg; on
a shared machine that ratio moves with the load (one service process against sixteen
PostgreSQL backends for a share of the cores). This measures what the service's changes can
change, and steadily: the CPU time the service's thread spends on each request (routing,
middleware, statements sent and decoded, describing, rendering), requests sent one at a time
in process (httpx's ASGI transport, no HTTP server), the database's own time left out.

A small register (--drivers, seeded once into a throwaway cluster) with --alerts alerts for
Rotherham, as bench/pages.py makes them. The baseline's code is `git archive`d into a temporary
folder and run there by a child process, the work tree's by another, alternately (--rounds);
the fewest milliseconds of each count. Reported: ms per request of each, and work tree /
baseline (below 1 is cheaper).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("alerts", "home")


def _paths(page: str, count: int, pages: int) -> list[str]:
    rnd = random.Random(1)
    if page == "alerts":
        return [f"/alerts?show=all&page={rnd.randint(1, pages)}" for _ in range(count)]
    return ["/"] * count


async def child(url: str, token: str, requests: int, pages: int) -> dict[str, float]:
    """In the tree on sys.path: each page's server CPU ms per request (after a warm-up)."""
    import httpx

    from licensing.app import create_app
    from licensing.settings import load

    app = create_app(load({"DATABASE_URL": url, "CROSSCHECK_SCHEDULER": "false"}))
    spent = [0.0]

    async def timed(scope, receive, send):
        started = time.thread_time()
        try:
            await app(scope, receive, send)
        finally:
            spent[0] += time.thread_time() - started

    headers = {"Authorization": f"Bearer {token}"}
    figures = {}
    transport = httpx.ASGITransport(app=timed)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        for page in PAGES:
            for path in _paths(page, requests, pages):  # warm: every row and layout drawn once
                assert (await http.get(path, headers=headers)).status_code == 200
            spent[0] = 0.0
            for path in _paths(page, requests, pages):
                await http.get(path, headers=headers)
            figures[page] = 1000 * spent[0] / requests
    return figures


def run_child(tree: Path, args, url: str, token: str, pages: int) -> dict[str, float]:
    code = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.append({str(ROOT / 'bench')!r})\n"
        "import asyncio, json, pages_cpu\n"
        f"print(json.dumps(asyncio.run(pages_cpu.child({url!r}, {token!r}, "
        f"{args.requests}, {pages}))))"
    )
    env = dict(os.environ, LOG_LEVEL="WARNING", API_REQUESTS_PER_MINUTE="0")
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def export(ref: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pages-cpu-baseline-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    for assets in ("govuk", "scalar"):  # copied by scripts/setup.sh, not in git
        target = folder / "licensing" / "static" / assets
        if not target.exists():
            target.symlink_to(ROOT / "licensing" / "static" / assets)
    return folder


async def register(args) -> tuple[str, Path, dict]:
    sys.path.insert(0, str(ROOT))
    from bench.harness import seeded_register
    from bench.pages import prepare

    seeding = argparse.Namespace(
        database_url=None, data_dir=None, drivers=args.drivers, seed=1, fast=True, pg_setting=[]
    )
    url, folder = await seeded_register(seeding)
    return url, folder, await prepare(url, args.alerts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main", help="git commit or branch to compare")
    parser.add_argument("--drivers", type=int, default=20_000)
    parser.add_argument("--alerts", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=300, help="per page, per child")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    baseline = export(args.baseline)
    url, cluster, ready = asyncio.run(register(args))
    from licensing import pgcluster

    pages = -(-ready["alerts"] // 50)
    best: dict[str, dict[str, float]] = {"baseline": {}, "work tree": {}}
    try:
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
        for _ in range(args.rounds):
            for name, tree in (("baseline", baseline), ("work tree", ROOT)):
                figures = run_child(tree, args, url, ready["officer_token"], pages)
                print(name, {k: round(v, 2) for k, v in figures.items()}, flush=True)
                for page, ms in figures.items():
                    best[name][page] = min(ms, best[name].get(page, ms))
        for page in PAGES:
            before, after = best["baseline"][page], best["work tree"][page]
            print(
                f"{page}: baseline {before:.2f} ms, work tree {after:.2f} ms of the service's CPU"
                f" per request; work tree / baseline {after / before:.2f}"
            )
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        pgcluster.stop(cluster)
        shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(baseline, ignore_errors=True)


if __name__ == "__main__":
    main()
