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
# One worker per core (pytest-xdist). The run migrates one cluster, in the background while the
# workers start (tests/cluster_image.py); each worker starts a copy of it, a throwaway cluster
# of its own, and copies every test's database from its migrated template. `-n 0` (or any -n)
# overrides this.
exec .venv/bin/python -m pytest -n "${CROSSCHECK_TEST_WORKERS:-auto}" --dist worksteal "$@"
