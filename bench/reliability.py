"""Alert delivery through faults, in one run: kill -9 of a worker, a two-minute SMTP outage,
and a primary failover. For each: alerts lost, alerts delivered more than once, and the p99
from grant to alert counted from when the fault ends (targets: 0 lost, duplicates within the
bound in docs/alerts.md, p99 <= 60 s).

    flock /tmp/crosscheck-bench.lock .venv/bin/python bench/reliability.py [--outage 120]

Real processes throughout: a primary and a streaming standby (pg_basebackup -R), two
`crosscheck worker` processes on the default schedule given a multi-host DATABASE_URL with
target_session_attrs=read-write, and an SMTP server in a process of its own. Licences are
granted to out-of-area drivers about once a second for the whole run, through each fault.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# bench/alerts.py's SMTP server and grant statement
from bench.alerts import GRANT, SinkProcess  # noqa: E402
from bench.harness import load_register, percentile  # noqa: E402
from licensing import pgcluster  # noqa: E402

CROSSCHECK = str(Path(sys.executable).parent / "crosscheck")
SETTLE_SECONDS = 30  # grants made up to this long after a fault ends count towards it


class Sink(SinkProcess):
    """bench/alerts.py's SMTP server, restartable on the same port (an outage and its end)."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        super().__init__(path)
        if port:
            self.port = port
            self.process._args = (port, str(path), self.ready, self.stop_event)


async def start_worker(url: str, port: int, log: Path) -> asyncio.subprocess.Process:
    out = open(log, "ab")
    try:
        return await asyncio.create_subprocess_exec(
            CROSSCHECK,
            "worker",
            env={
                **os.environ,
                "DATABASE_URL": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "CROSSCHECK_BASE_URL": "https://crosscheck.test",
            },
            stdout=out,
            stderr=out,
        )
    finally:
        out.close()


class Granter:
    """Grants a licence to an out-of-area driver about once a second, retrying through
    outages; records each licence's commit time."""

    def __init__(self, url: str, homes: tuple[int, int]) -> None:
        self.url, self.homes = url, homes
        self.granted: dict[int, float] = {}
        self.stop = asyncio.Event()
        self.n = 0

    async def run(self) -> None:
        conn = None
        while not self.stop.is_set():
            try:
                if conn is None or conn.is_closed():
                    conn = await asyncpg.connect(self.url, timeout=3)
                self.n += 1
                licence_id = await conn.fetchval(
                    GRANT, f"R{self.n}", self.homes[0], self.homes[1], timeout=5
                )
                self.granted[licence_id] = time.time()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                if conn is not None:
                    conn.terminate()
                conn = None
            await asyncio.sleep(1)
        if conn is not None:
            await conn.close()


async def arrivals(url: str, sink_files: list[Path], licences: list[int]) -> dict:
    """Per licence: its alert id and every time the alert reached the SMTP server."""
    conn = await asyncpg.connect(url)
    try:
        alert_of = {
            r["subject_id"]: r["id"]
            for r in await conn.fetch(
                "SELECT a.id, e.subject_id FROM alert a JOIN register_event e ON e.id = a.event_id"
                " WHERE e.kind = 'licence_granted' AND e.subject_id = ANY($1)",
                licences,
            )
        }
    finally:
        await conn.close()
    seen: dict[int, list[float]] = {}
    for path in sink_files:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            at, _, ids = line.partition(" ")
            for i in ids.split(","):
                if i:
                    seen.setdefault(int(i), []).append(float(at))
    return {lic: (alert_of.get(lic), seen.get(alert_of.get(lic), [])) for lic in licences}


def score(name: str, started: float, ended: float, granter: Granter, found: dict) -> dict:
    window = [lic for lic, at in granter.granted.items() if started <= at <= ended + SETTLE_SECONDS]
    lost = [lic for lic in window if not found[lic][1]]
    duplicated = sum(1 for lic in window if len(found[lic][1]) > 1)
    delays = sorted(
        min(found[lic][1]) - max(granter.granted[lic], ended) for lic in window if found[lic][1]
    )
    p99 = percentile(delays, 99) if delays else None
    result = {
        "scenario": name,
        "fault_seconds": round(ended - started, 1),
        "grants": len(window),
        "lost": len(lost),
        "duplicated": duplicated,
        "p99_after_fault_s": None if p99 is None else round(p99, 1),
        "max_after_fault_s": round(delays[-1], 1) if delays else None,
    }
    print(
        f"{name}: {result['grants']} grants, lost {result['lost']}, duplicated "
        f"{result['duplicated']}, p99 grant-to-alert after the fault ends {result['p99_after_fault_s']} s"
        f" (max {result['max_after_fault_s']} s; fault {result['fault_seconds']} s)"
    )
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=120.0, help="SMTP outage, seconds")
    parser.add_argument("--calm", type=float, default=45.0, help="seconds between faults")
    args = parser.parse_args()

    primary_dir = pgcluster.throwaway("crosscheck-rel-primary-")
    standby_dir = pgcluster.throwaway("crosscheck-rel-standby-")
    work = Path(pgcluster.throwaway("crosscheck-rel-work-"))
    workers: list[asyncio.subprocess.Process] = []
    sink = None
    try:
        primary = pgcluster.start(primary_dir)
        await pgcluster.create_database(primary)
        conn = await asyncpg.connect(primary.url())
        await load_register(conn)
        await conn.execute("UPDATE authority SET alert_email = lower(code) || '@alerts.test'")
        homes = tuple(
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM authority WHERE licenses_drivers ORDER BY id LIMIT 2"
            )
        )
        await conn.close()
        standby = pgcluster.start_standby(primary, standby_dir)
        passfile = quote(str(primary.data_dir / pgcluster.PASSFILE))
        both = (
            f"postgresql://{pgcluster.SUPERUSER}@127.0.0.1:{primary.port},127.0.0.1:"
            f"{standby.port}/{pgcluster.DATABASE}?passfile={passfile}"
            "&target_session_attrs=read-write"
        )
        sinks = [work / "sink1.txt"]
        sink = Sink(sinks[0]).__enter__()
        port = sink.port
        workers = [await start_worker(both, port, work / f"worker{n}.log") for n in (1, 2)]
        granter = Granter(both, homes)
        granting = asyncio.ensure_future(granter.run())
        await asyncio.sleep(args.calm)
        faults = []

        # 1. kill -9 of a worker (it may die holding claimed alerts); the other carries on
        started = time.time()
        workers[0].send_signal(signal.SIGKILL)
        await workers[0].wait()
        faults.append(("kill -9 of a worker", started, time.time()))
        workers[0] = await start_worker(both, port, work / "worker1b.log")
        await asyncio.sleep(args.calm)

        # 2. the SMTP server is down for --outage seconds, then back on the same port
        started = time.time()
        sink.__exit__(None, None, None)
        await asyncio.sleep(args.outage)
        sinks.append(work / "sink2.txt")
        sink = Sink(sinks[-1], port).__enter__()
        faults.append((f"SMTP outage {args.outage:.0f} s", started, time.time()))
        await asyncio.sleep(args.calm)

        # 3. the primary is lost and the standby promoted
        started = time.time()
        await asyncio.to_thread(pgcluster.stop, primary_dir)
        await asyncio.to_thread(pgcluster.promote, standby_dir)
        faults.append(("primary failover", started, time.time()))
        await asyncio.sleep(args.calm)

        granter.stop.set()
        await granting
        await asyncio.sleep(SETTLE_SECONDS + 60)  # the last grants' alerts, retries included
        found = await arrivals(both, sinks, list(granter.granted))
        results = [score(name, s, e, granter, found) for name, s, e in faults]
        every = len(granter.granted)
        lost = sum(1 for _, times in found.values() if not times)
        copies = Counter(len(times) for _, times in found.values())
        print(f"whole run: {every} grants, {lost} alerts never arrived, copies {dict(copies)}")
        return results
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.terminate()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), 15)
        if sink is not None:
            with contextlib.suppress(Exception):
                sink.__exit__(None, None, None)
        pgcluster.discard(standby_dir)
        pgcluster.discard(primary_dir)


if __name__ == "__main__":
    asyncio.run(main())
