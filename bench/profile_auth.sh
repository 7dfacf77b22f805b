#!/usr/bin/env bash
# Where a signed-in request's CPU goes (issue 14 item 1): py-spy samples authgw's gunicorn
# workers (gunicorn.conf.py, 2 x 8) while wrk drives
#   1. GET /auth (Original-Request-Uri: /users, the demo admin's `sid` from a real login), and
#   2. GET /userinfo (a product view) with the same session,
# then bench/profile_report.py turns the samples into a table of where each microsecond goes
# (its share of the samples times the CPU microseconds per request measured from /proc in the
# same run). Loopback only; everything started here is stopped on exit, by process id.
#
#   bench/profile_auth.sh                                        # embedded default
#   REDIS_URL=redis://127.0.0.1:6379/9 bench/profile_auth.sh     # sessions in Redis
#   PROFILE_SECONDS=20 PROFILE_OUT=/tmp/prof bench/profile_auth.sh
#
# PROFILE_OUT keeps the raw samples (py-spy's collapsed stacks, one file per scenario) and the
# reports; PROFILE_RATE is py-spy's sampling rate (Hz). py-spy needs ptrace rights (root, or
# CAP_SYS_PTRACE, or kernel.yama.ptrace_scope=0).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
SECONDS_PER_RUN="${PROFILE_SECONDS:-20}"
RATE="${PROFILE_RATE:-250}"
[[ -x "$PYTHON" && -f .venv/.installed ]] || make .venv/.installed
[[ -x .venv/bin/py-spy ]] || { echo "py-spy is missing: make .venv/.installed" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (bin/install-system-deps.sh)" >&2; exit 2; }

work="$(mktemp -d -t authgw-profile-XXXXXX)"
out="${PROFILE_OUT:-$work/out}"
mkdir -p "$out"
pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT INT TERM
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-profile-secret-not-for-production}"
export DJANGO_DEBUG=false AUTHGW_VAR_DIR="$work" LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0
export SESSION_SCOPE="profile-$$"
port="$(free_port)"
product="http://127.0.0.1:$port"

"$PYTHON" bench/forward_auth_support.py seed "$work/seed.json" "$product" "http://127.0.0.1:9/none"
AUTH0EMULATOR_ENABLED=true "$PYTHON" manage.py auth0emulator --host 127.0.0.1 --port 0 \
  --seed "$work/seed.json" --data :memory: >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
emulator=""
for _ in $(seq 1 300); do
  emulator="$(sed -n 's/^auth0emulator ready on \(http:[^ ]*\)\/$/\1/p' "$work/emulator.out")"
  [[ -n "$emulator" ]] && break
  sleep 0.1
done
[[ -n "$emulator" ]] || { cat "$work/emulator.log" >&2; exit 1; }
"$PYTHON" - "$emulator" "$product" "$work/config.json" <<'PY'
import json, sys
from auth0client.config import default_config_document
document = default_config_document(auth0_url=sys.argv[1], product_url=sys.argv[2])
open(sys.argv[3], "w").write(json.dumps(document))
PY
export SERVICE_CONFIG_PATH="$work"
"$PYTHON" manage.py migrate --no-input -v0
"$PYTHON" manage.py seed_demo --wait 20 >/dev/null 2>"$work/seed.log" || { cat "$work/seed.log" >&2; exit 1; }
"$PYTHON" -m gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port" >"$work/gunicorn.log" 2>&1 &
master=$!
pids+=("$master")
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "$product/-/healthz" && break
  kill -0 "$master" 2>/dev/null || { cat "$work/gunicorn.log" >&2; exit 1; }
  sleep 0.1
done
sid="$("$PYTHON" bench/forward_auth_support.py login-authgw "$product")"
store="embedded default"
[[ -n "${REDIS_URL:-}" ]] && store="Redis sessions ($REDIS_URL)"

profile() {  # name url wrk-args (only -H "Name: value" pairs)...
  local name="$1" url="$2"; shift 2
  wrk -t2 -c32 -d3s "$@" "$url" >/dev/null  # warm-up
  local before after
  read -r -a before < <("$PYTHON" bench/profile_report.py cpu "$master")
  .venv/bin/py-spy record --pid "$master" --subprocesses --gil --rate "$RATE" \
    --format raw --output "$out/$name.txt" --duration "$SECONDS_PER_RUN" >/dev/null 2>&1 &
  local spy=$!
  pids+=("$spy")
  wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" -s bench/load.lua "$@" "$url" >"$work/wrk-$name.txt"
  read -r -a after < <("$PYTHON" bench/profile_report.py cpu "$master")
  wait "$spy" || true
  pids=("${pids[@]/#$spy/}")
  local requests
  requests="$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$work/wrk-$name.txt")"
  {
    echo "## $name ($store)"
    echo
    grep '^RESULT' "$work/wrk-$name.txt" | cut -d' ' -f2-
    echo
    if [[ -n "${REDIS_URL:-}" ]]; then
      "$PYTHON" bench/profile_report.py redis-trace "$REDIS_URL" "$url" 50 "$@"
      echo
    fi
    "$PYTHON" bench/profile_report.py "$out/$name.txt" --requests "$requests" \
      --user-ticks "$((after[0] - before[0]))" --system-ticks "$((after[1] - before[1]))"
  } | tee "$out/$name.report.md"
  echo
}
cookie=(-H "Cookie: sid=$sid")
profile auth-signed-in "$product/auth" "${cookie[@]}" \
  -H "Original-Request-Uri: /users" -H "Original-Request-Method: GET"
profile userinfo-signed-in "$product/userinfo" "${cookie[@]}" -H "Accept: application/json"
[[ -n "${PROFILE_OUT:-}" ]] && echo "raw samples and reports in $out"
