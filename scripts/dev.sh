#!/usr/bin/env bash
# The two things a newcomer does: `scripts/dev.sh run` and `scripts/dev.sh test`
# (the Makefile's `make run` / `make test`). Each one finds a Python >= 3.12, makes .venv,
# installs what is missing, starts the embedded PostgreSQL when DATABASE_URL is unset,
# migrates, and is safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

is_suitable() {
  "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  if [ -n "${PYTHON:-}" ] && is_suitable "$PYTHON"; then echo "$PYTHON"; return; fi
  for candidate in python3.13 python3.12 python3.14 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 && is_suitable "$candidate"; then
      command -v "$candidate"; return
    fi
  done
  # pyenv installs that are not selected (their shims refuse to run until one is).
  local roots=()
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
  roots+=("$HOME/.pyenv" "/usr/local" "/opt/homebrew")
  for root in "${roots[@]}"; do
    for candidate in "$root"/versions/3.1[2-9]*/bin/python3 "$root"/bin/python3.1[2-9]; do
      if [ -x "$candidate" ] && is_suitable "$candidate"; then echo "$candidate"; return; fi
    done
  done
  if command -v uv >/dev/null 2>&1; then
    candidate=$(uv python find '>=3.12' 2>/dev/null || true)
    if [ -n "$candidate" ] && is_suitable "$candidate"; then echo "$candidate"; return; fi
  fi
  return 1
}

ensure_venv() {
  if [ -x "$PY" ] && is_suitable "$PY"; then :; else
    local base
    base=$(find_python) || {
      echo "IGNY8 needs Python 3.12 or newer. Install it (python.org, pyenv or your package" >&2
      echo "manager), or point PYTHON=/path/to/python3.12 at it, then run this again." >&2
      exit 1
    }
    say "Creating .venv with $base"
    rm -rf "$VENV"
    "$base" -m venv "$VENV"
  fi
  local stamp="$VENV/.igny8-installed" want
  want=$(cat pyproject.toml | "$PY" -c 'import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing dependencies into .venv"
    "$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
    # The project is not a package to install: only its dependencies (pyproject.toml) are.
    "$PY" - <<'PYDEPS' > "$VENV/.igny8-requirements.txt"
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
PYDEPS
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$VENV/.igny8-requirements.txt"
    echo "$want" > "$stamp"
  fi
}

EMBEDDED_STARTED=0
ensure_db() {
  if [ -z "${DATABASE_URL:-}" ]; then
    if ! "$PY" -m igny8.embedded_db status | grep -q running; then EMBEDDED_STARTED=1; fi
    say "Starting the embedded PostgreSQL (.data/pg)"
    "$PY" -m igny8.embedded_db start >/dev/null
  fi
}

stop_db() {
  if [ -z "${DATABASE_URL:-}" ]; then
    "$PY" -m igny8.embedded_db stop >/dev/null || true
  fi
}

cmd_run() {
  ensure_venv
  ensure_db
  say "Migrating and preparing the demo workspace"
  local summary
  summary=$("$PY" manage.py igny8_setup | tail -n 1)
  local port="${PORT:-8000}" base="${IGNY8_BASE_DOMAIN:-igny8.localhost}"
  export IGNY8_PUBLIC_URL="${IGNY8_PUBLIC_URL:-http://$base:$port}"
  "$PY" manage.py runserver "0.0.0.0:$port" --noreload --skip-checks &
  WEB_PID=$!
  "$PY" manage.py qcluster &
  WORKER_PID=$!
  trap cleanup INT TERM EXIT
  sleep 2
  if ! kill -0 "$WEB_PID" 2>/dev/null; then
    echo "The web server did not start. Is port $port in use? Try: PORT=8001 make run" >&2
    exit 1
  fi
  cat <<MSG

  IGNY8 is running (web server + job worker). Ctrl-C stops everything.

  Public site ........ http://$base:$port/
  Demo workspace ..... http://demo.$base:$port/
  Platform admin ..... http://$base:$port/admin/
  $summary

MSG
  # Until Ctrl-C, or until either process dies (then the other is stopped too).
  wait -n "$WEB_PID" "$WORKER_PID" || true
}

WEB_PID=""
WORKER_PID=""
cleanup() {
  trap - INT TERM EXIT
  say "Stopping the web server and the worker"
  local pid
  for pid in $WEB_PID $WORKER_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  # qcluster finishes the job in hand and stops its workers; give it a few seconds.
  for _ in $(seq 1 50); do
    kill -0 $WEB_PID $WORKER_PID 2>/dev/null || break
    sleep 0.2
  done
  for pid in $WEB_PID $WORKER_PID; do
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  # Stop the database only if this command started it (a test run may be using it).
  if [ "$EMBEDDED_STARTED" = 1 ]; then stop_db; fi
}

cmd_test() {
  ensure_venv
  if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
     && ! command -v google-chrome >/dev/null 2>&1; then
    echo "note: no Chromium found; browser tests (tests/e2e) will be skipped." >&2
    echo "      Install it (Debian/Ubuntu: apt-get install chromium) to run them." >&2
  fi
  say "ruff format --check and ruff check"
  "$VENV/bin/ruff" format --check --quiet .
  "$VENV/bin/ruff" check --quiet .
  ensure_db
  trap '[ "$EMBEDDED_STARTED" = 1 ] && stop_db' EXIT
  say "pytest"
  "$PY" -m pytest "$@"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  test) shift; cmd_test "$@" ;;
  *) echo "usage: scripts/dev.sh run|test [pytest args]" >&2; exit 2 ;;
esac
