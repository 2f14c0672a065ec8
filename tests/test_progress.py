"""Long commands show progress to a person at a terminal (each part of the job with how much is
done, the rate and the time left) and nothing of it when their output is piped or collected."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from tests.test_seed import crosscheck

COMMAND = str(Path(sys.executable).parent / "crosscheck")


def on_a_terminal(*args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as its standard output and error."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [COMMAND, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env, "COLUMNS": "160", "TERM": "xterm"},
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the command closed the terminal
                break
            if not data:
                break
            seen += data
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(), seen.decode(errors="replace")


async def test_a_piped_seed_prints_its_results_and_no_progress(db_url):
    code, out, err = await crosscheck("seed", "--drivers", "400", database_url=db_url)
    assert code == 0 and "all rows" in out
    for noise in ("\x1b[", "\r", "drivers/s", "Drawing and loading"):
        assert noise not in out and noise not in err


async def test_on_a_terminal_the_seed_shows_each_part_with_its_rate_and_time_left(db_url):
    code, seen = await asyncio.to_thread(
        on_a_terminal, "seed", "--drivers", "3000", env={"DATABASE_URL": db_url}
    )
    assert code == 0, seen
    assert ("Drawing and loading drivers" in seen and "3,000/3,000" in seen) or "3000/3000" in seen
    assert "drivers/s" in seen and "left" in seen
    assert "Indexes and foreign keys" in seen and "all rows" in seen


async def test_on_a_terminal_an_import_shows_reading_checking_and_writing(db_url, tmp_path):
    rows = [
        # one driver a birthday, as in a council's own records: no two rows look like one person
        f"D{n},Driver{n},Walker,{1950 + n % 50}-{1 + n // 50 % 12:02d}-{1 + n // 600:02d},M,,,"
        "S60 1AA,E08000018"
        for n in range(2500)
    ]
    drivers = tmp_path / "drivers.csv"
    drivers.write_text(
        "driver_ref,forenames,surname,date_of_birth,sex,gb_licence_number,ni_number,postcode,"
        "home_authority\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    args = ("import", "--authority", "E08000018", "--drivers", str(drivers))
    code, seen = await asyncio.to_thread(on_a_terminal, *args, env={"DATABASE_URL": db_url})
    assert code == 0, seen
    assert "Reading drivers.csv" in seen and "2500/2500" in seen and "rows/s" in seen
    assert "Checking against the register" in seen and "Writing to the register" in seen
    assert "left" in seen and "2500 drivers created" in seen.replace(",", "")
    # piped, the same command prints its results only
    drivers.write_text(drivers.read_text().replace("Walker", "Walkers"), encoding="utf-8")
    code, out, err = await crosscheck(*args, database_url=db_url)
    assert code == 0 and "\x1b[" not in out + err and "rows/s" not in out + err


async def test_on_a_terminal_the_summary_counts_its_queries(db_url, tmp_path):
    args = ("summary", "--period", "2026-Q2", "--out", str(tmp_path / "out"))
    code, seen = await asyncio.to_thread(on_a_terminal, *args, env={"DATABASE_URL": db_url})
    assert code == 0, seen
    assert "Counting the figures" in seen and "9/9" in seen and "queries/s" in seen
    code, out, err = await crosscheck(*args, database_url=db_url)
    assert code == 0 and "\x1b[" not in out + err and "Counting" not in out + err


async def test_on_a_terminal_the_duplicates_jobs_show_each_part_with_its_rate(db_url):
    """`crosscheck duplicates find` and `crosscheck duplicates rescreen`, register-wide jobs,
    show their parts (comparing, scoring, raising) with the rate and the time left on a
    terminal, and only their result when piped."""
    code, _, err = await crosscheck(
        "seed", "--drivers", "2000", "--duplicates", "100", database_url=db_url
    )
    assert code == 0, err
    code, seen = await asyncio.to_thread(
        on_a_terminal, "duplicates", "find", env={"DATABASE_URL": db_url}
    )
    assert code == 0, seen
    assert "Scoring candidate pairs" in seen and "pairs/s" in seen and "left" in seen
    assert "Finding candidate pairs in blocks" in seen and "Raising possible duplicates" in seen
    assert "possible duplicates" in seen and "new)" in seen
    code, out, err = await crosscheck("duplicates", "find", database_url=db_url)
    assert code == 0 and "possible duplicates" in out
    assert "\x1b[" not in out + err and "pairs/s" not in out + err
    # the nightly re-screening sweep, run now
    code, seen = await asyncio.to_thread(
        on_a_terminal, "duplicates", "rescreen", env={"DATABASE_URL": db_url}
    )
    assert code == 0, seen
    assert "Finding the records born near them" in seen and "names/s" in seen
    assert "left" in seen and "re-screening matches" in seen
    code, out, err = await crosscheck("duplicates", "rescreen", database_url=db_url)
    assert code == 0 and "re-screening matches" in out and "\x1b[" not in out + err
