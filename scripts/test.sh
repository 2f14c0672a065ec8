#!/usr/bin/env bash
# Installs what the tests need, then runs the whole suite: scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
echo "==> lint and format (ruff)" >&2
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
echo "==> types (mypy --strict on the packages pyproject.toml lists: registry, alerts)" >&2
.venv/bin/mypy
# Two workers per core (pytest-xdist): much of a test's time is spent waiting on PostgreSQL,
# chromium or a subprocess, and a second worker a core fills it. Each worker starts its own
# throwaway cluster and copies every test's database from its own migrated template.
# CROSSCHECK_TEST_WORKERS, or any -n (`-n 0`: one process, no workers), overrides this.
workers=${CROSSCHECK_TEST_WORKERS:-$((2 * $(nproc)))}
exec .venv/bin/python -m pytest -n "$workers" --dist worksteal "$@"
