"""An import of N bad rows through the API: the worker's peak memory growth and the answer's
size, with this code and with an earlier commit (the baseline), in the same run.

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/import_errors.py --before 553a463

Starts a throwaway cluster (fsync off). For each of the two trees (this one, and the commit
given, checked out into a temporary git worktree) a child process migrates its own database
with that tree's migrations, makes an officer, starts the service in-process (litestar's test
client: the service and its client share the process, as a worker and the bytes it sends do)
and posts a drivers file of N rows whose every date of birth is wrong. The figure is the
process's peak resident set size after the import less before it (the file is made, and a
small import has run, before the first reading), the answer's size and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from licensing import pgcluster

HERE = Path(__file__).resolve().parent.parent

CHILD = r"""
import asyncio, gc, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import asyncpg
from litestar.testing import AsyncTestClient
from licensing.app import create_app
from licensing.db import connect
from licensing.migrate import migrate
from licensing.settings import load
from registry.authorities import load_reference
from tests.factories import make_user

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

async def main(url, rows):
    owner = await asyncpg.connect(url)
    await migrate(owner)
    await load_reference(owner)
    await owner.close()
    conn = await connect(url)
    officer = await make_user(conn, authority="Rotherham")
    await conn.close()
    header = "driver_ref,forenames,surname,date_of_birth\n"
    text = header + "".join(f"D{i},Stephen,Walker,not-a-date\n" for i in range(rows))
    app = create_app(load({"DATABASE_URL": url, "CROSSCHECK_SCHEDULER": "false"}))
    async with AsyncTestClient(app=app, timeout=3600) as client:
        small = header + "D1,Stephen,Walker,not-a-date\n"
        await client.post("/api/v1/imports", headers=officer["headers"],
                          files={"drivers": ("drivers.csv", small)})
        gc.collect()
        before = peak_mb()
        clock = time.perf_counter()
        answer = await client.post("/api/v1/imports", headers=officer["headers"],
                                   files={"drivers": ("drivers.csv", text)})
        seconds = time.perf_counter() - clock
        after = peak_mb()
    print(json.dumps({"status": answer.status_code, "bytes": len(answer.content),
                      "peak_before_mb": before, "peak_after_mb": after,
                      "growth_mb": after - before, "seconds": seconds,
                      "file_mb": len(text) / 1e6}))

asyncio.run(main(sys.argv[2], int(sys.argv[3])))
"""


def measure(tree: Path, url: str, rows: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(CHILD)
    try:
        out = subprocess.run(
            [sys.executable, script.name, str(tree), url, str(rows)],
            cwd=tree,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(tree)},
        )
    finally:
        os.unlink(script.name)
    if out.returncode != 0:
        raise SystemExit(f"the child for {tree} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--before", required=True, help="the baseline commit")
    args = parser.parse_args()
    before_tree = Path(tempfile.mkdtemp(prefix="crosscheck-before-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(before_tree), args.before],
        cwd=HERE,
        check=True,
        capture_output=True,
    )
    folder = pgcluster.throwaway("crosscheck-bench-")
    cluster = pgcluster.start(folder, fast=True)
    try:
        import asyncio

        for name in ("before", "after"):
            asyncio.run(pgcluster.create_database(cluster, name))
        after = measure(HERE, cluster.url("after"), args.rows)
        before = measure(before_tree, cluster.url("before"), args.rows)
    finally:
        pgcluster.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(before_tree)], cwd=HERE, check=False
        )
    print(f"\n{args.rows:,} bad rows ({after['file_mb']:.1f} MB file), answered {after['status']}")
    for label, figures in (("before (" + args.before + ")", before), ("after", after)):
        print(
            f"{label:22} answer {figures['bytes'] / 1e6:8.2f} MB   peak RSS growth "
            f"{figures['growth_mb']:7.1f} MB   {figures['seconds']:6.1f} s"
        )
    print(
        f"ratio after / before: answer {after['bytes'] / before['bytes']:.4f}, "
        f"peak RSS growth {after['growth_mb'] / max(before['growth_mb'], 0.1):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
