#!/usr/bin/env bash
# Sets everything up and runs the service with a private PostgreSQL, demo data and a local
# mailbox for alert emails: scripts/run.sh [crosscheck serve options]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/crosscheck serve --demo "$@"
