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
# Python keeps the modules it compiles under .venv/pycache (outside the source tree), even
# where PYTHONDONTWRITEBYTECODE is set: otherwise every worker, and every service or command a
# test starts, compiles every module it imports from source again (collecting the suite took
# 12 s of CPU a process that way, 7 s from the cache).
export PYTHONPYCACHEPREFIX="$PWD/.venv/pycache"
unset PYTHONDONTWRITEBYTECODE
# One worker more than the machine has cores (pytest-xdist): part of the suite waits rather than
# computes (a standby catching up, an outage's timeouts, a service starting), and the extra
# worker fills those waits (bench/README.md, "The test suite"). The run migrates one cluster, in
# the background while the workers start (tests/cluster_image.py); each worker starts a copy of
# it, a throwaway cluster of its own, and copies every test's database from its migrated
# template. CROSSCHECK_TEST_WORKERS, or `-n 0` (or any -n), overrides the count.
exec .venv/bin/python -m pytest -n "${CROSSCHECK_TEST_WORKERS:-$(($(nproc) + 1))}" --dist worksteal "$@"
