#!/usr/bin/env bash
# Installs what Crosscheck needs on a fresh machine. Idempotent: a second run is quick.
#   scripts/setup.sh          the service (Python packages, PostgreSQL binaries, page assets)
#   scripts/setup.sh --test   the same, plus what the tests and benches need (chromium, haproxy)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true

say() { printf '==> %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq >/dev/null || { say "apt-get update failed: install $* by hand"; return 1; }; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed (found: $("$PY" --version 2>&1 || echo none))"; exit 1
fi

if ! command -v uv >/dev/null 2>&1; then
  say "installing uv"
  "$PY" -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
    || "$PY" -m pip install --quiet --user --disable-pip-version-check uv
  export PATH="$HOME/.local/bin:$PATH"
fi
command -v uv >/dev/null 2>&1 || UV="$PY -m uv"
UV=${UV:-uv}

say "installing Python packages (uv.lock)"
$UV sync --frozen --quiet --python "$PY"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  say "installing PostgreSQL (postgresql, postgresql-contrib)"
  apt_install postgresql postgresql-contrib || { say "PostgreSQL is missing and could not be installed; set DATABASE_URL instead"; exit 1; }
fi

if [ -f package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then say "installing Node.js and npm"; apt_install nodejs npm; fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    say "installing page assets (npm ci)"
    npm ci --no-audit --no-fund --silent
  fi
  .venv/bin/python -m licensing.assets
fi

if $want_test && ! command -v haproxy >/dev/null 2>&1 && [ ! -x /usr/sbin/haproxy ]; then
  say "installing haproxy for bench/loadbalancer.py"
  apt_install haproxy || say "haproxy could not be installed: bench/loadbalancer.py will say so"
fi

if $want_test && [ ! -x /usr/bin/chromium ]; then
  say "installing chromium for the browser tests"
  apt_install chromium || { say "chromium could not be installed"; exit 1; }
fi
