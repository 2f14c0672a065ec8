"""The command line: every mistake a user can make ends in one clear message, no traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asyncpg
import pytest

from licensing import pgcluster

CROSSCHECK = str(Path(sys.executable).parent / "crosscheck")


def run(
    *args: str, env: dict | None = None, user: str | None = None
) -> subprocess.CompletedProcess:
    command = [CROSSCHECK, *args]
    if user:
        command = ["runuser", "-u", user, "--", *command]
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(env or {})
    return subprocess.run(command, capture_output=True, text=True, env=full_env, timeout=120)


def assert_one_clear_message(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    for fragment in fragments:
        assert fragment in result.stderr


def test_every_command_has_help():
    for args in (
        ["--help"],
        ["db", "--help"],
        ["db", "migrate", "--help"],
        ["db", "stop", "--help"],
        ["db", "status", "--help"],
        ["db", "start", "--help"],
        ["serve", "--help"],
    ):
        result = run(*args)
        assert result.returncode == 0 and "Usage:" in result.stdout


# What `crosscheck --help` and the light commands must not load: the service, the database
# driver, the domain and the scheduler. Loading them is what made the help take seconds.
HEAVY = (
    "litestar",
    "asyncpg",
    "granian",
    "jinja2",
    "msgspec",
    "apscheduler",
    "faker",
    "holidays",
    "licensing.app",
    "licensing.db",
    "registry",
    "alerts",
)


def modules_loaded(*args: str, env: dict | None = None) -> set[str]:
    """The modules `crosscheck ARGS` imports, as `python -X importtime` reports them."""
    code = "import sys; from licensing.cli import main; sys.exit(main())"
    full_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    full_env.update(env or {})
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_the_help_and_light_commands_load_neither_the_service_nor_the_database_driver(tmp_path):
    for args in (
        ["--help"],
        ["db", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["db", "stop"],
    ):
        loaded = modules_loaded(*args, env={"CROSSCHECK_DATA_DIR": str(tmp_path)})
        assert "licensing.cli" in loaded  # the report is read right
        heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
        assert heavy == [], f"crosscheck {' '.join(args)} loads {heavy[:8]}"


def test_the_help_lists_every_command_in_its_own_words():
    from licensing.cli import COMMANDS, main

    listing = run("--help").stdout
    for name, (_, summary) in COMMANDS.items():
        command = main.get_command(None, name)  # imports its module
        assert command.get_short_help_str(limit=1000) == summary
        assert name in listing and summary.split()[0] in listing


def test_a_malformed_database_url_is_named_and_nothing_happens():
    result = run("db", "migrate", env={"DATABASE_URL": "mysql://somewhere/db"})
    assert_one_clear_message(result, "DATABASE_URL must start with postgresql://")


def test_an_unreachable_database_is_reported_plainly():
    result = run("db", "status", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert_one_clear_message(result, "could not reach the database")


async def test_an_edited_applied_migration_stops_the_runner_with_a_clear_message(db_url):
    conn = await asyncpg.connect(db_url)
    await conn.execute("UPDATE schema_migration SET checksum = 'edited' WHERE version = 1")
    await conn.close()
    result = run("db", "migrate", env={"DATABASE_URL": db_url})
    assert_one_clear_message(result, "0001_register.sql was edited after it was applied")


# The venv's interpreter may live where an unprivileged user cannot reach it (under /root);
# the cluster code is standard library only, so a system Python drives it as that user.
SYSTEM_PYTHON = "/usr/bin/python3"
PROJECT = Path(__file__).resolve().parent.parent
AS_NOBODY = """
import sys
sys.path.insert(0, {project!r})
from pathlib import Path
from licensing import pgcluster
try:
    if sys.argv[1] == "start":
        print(pgcluster.start(Path(sys.argv[2])).url())
    else:
        print("stopped" if pgcluster.stop(Path(sys.argv[2])) else "not running")
except pgcluster.ClusterError as exc:
    print(f"Error: {{exc}}", file=sys.stderr)
    sys.exit(1)
"""


def as_nobody(action: str, data_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    script = AS_NOBODY.format(project=str(PROJECT))
    return subprocess.run(
        ["runuser", "-u", "nobody", "--", SYSTEM_PYTHON, "-c", script, action, str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **(env or {})},
    )


def nobody_can_run_the_project() -> bool:
    if os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    probe = subprocess.run(
        [
            "runuser",
            "-u",
            "nobody",
            "--",
            SYSTEM_PYTHON,
            "-c",
            f"import sys; sys.path.insert(0, {str(PROJECT)!r}); import licensing.pgcluster",
        ],
        capture_output=True,
    )
    return probe.returncode == 0


needs_nobody = pytest.mark.skipif(
    not nobody_can_run_the_project(),
    reason="needs root, a system Python and a checkout others can read",
)


@pytest.fixture
def shared_tmp():
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(dir="/tmp"))
    os.chmod(path, 0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_nobody
def test_missing_postgresql_binaries_without_rights_to_install_them(shared_tmp):
    tmp_path = shared_tmp
    result = as_nobody(
        "start", tmp_path / "data", env={"CROSSCHECK_PG_BINDIR": str(tmp_path / "none")}
    )
    assert_one_clear_message(result, "PostgreSQL server binaries", "cannot install them")
    assert not (tmp_path / "data" / "pgdata").exists()


@needs_nobody
def test_a_normal_user_starts_and_stops_a_private_cluster(shared_tmp):
    tmp_path = shared_tmp
    started = as_nobody("start", tmp_path / "data")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().startswith("postgresql://crosscheck@127.0.0.1:")
    again = as_nobody("start", tmp_path / "data")
    assert again.stdout == started.stdout  # started once, reused
    assert as_nobody("stop", tmp_path / "data").stdout.strip() == "stopped"


def test_root_runs_the_cluster_as_the_postgres_user(tmp_path):
    env = {"CROSSCHECK_DATA_DIR": str(tmp_path / "data")}
    started = run("db", "start", env=env)
    try:
        assert started.returncode == 0, started.stderr
    finally:
        assert run("db", "stop", env=env).stdout.strip() == "stopped"
        # pytest's tmp_path is private to root, so the cluster lived in the fallback folder
        # under /var/tmp: without this every run of the suite left 46 MB there.
        shutil.rmtree(pgcluster.fallback_dir(tmp_path / "data"), ignore_errors=True)


@pytest.mark.parametrize("command", [("worker",), ("serve", "--port", "8031")])
def test_a_worker_or_service_without_a_database_stops_with_one_line_and_creates_nothing(
    tmp_path, command
):
    data = tmp_path / "data"
    result = run(*command, env={"CROSSCHECK_DATA_DIR": str(data)})
    assert_one_clear_message(result, "DATABASE_URL is not set", "crosscheck serve --demo")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not data.exists()
