#!/usr/bin/env bash
# Bounded load run (issue 9 item 10), loopback only. Not part of the test suite.
#
# Starts the Auth0 emulator and the product (gunicorn with gunicorn.conf.py) on free loopback
# ports, seeds the demo users, signs in as the demo admin, then runs wrk against
#   1. the forward-auth endpoint (GET /auth, Original-Request-Uri: /users, the admin's session
#      cookie; the rule is `groups.admin`, so every answer should be 200), and
#   2. the login page (GET /web-login).
# For each: requests/s, p50/p99 latency, answers by status class (the run fails on any 5xx or
# socket error), the product's CPU microseconds per request (gunicorn's processes only, from
# /proc: steadier than req/s on a shared machine), and the resident memory of gunicorn's master +
# workers (once a second), first vs last 10 s (the run fails at 10 % growth or more).
#
#   bench/load.sh                       # 60 s per scenario, embedded default (SQLite + DB cache)
#   DURATION=20 bench/load.sh           # shorter
#   REDIS_URL=redis://127.0.0.1:6379/9 bench/load.sh   # sessions in Redis (DATABASE_URL too)
#
# CONNECTIONS (32), THREADS (2), WARMUP (5 s of wrk before each measured run, not measured) and
# GUNICORN_WORKERS / GUNICORN_THREADS (gunicorn.conf.py's 2 x 8) can be overridden. Everything the
# script starts is stopped on exit, by process id.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
DURATION="${DURATION:-60}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-5}"
WINDOW=10
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
(( DURATION >= 2 * WINDOW )) || { echo "DURATION must be at least $((2 * WINDOW)) s" >&2; exit 2; }

work="$(mktemp -d -t authgw-load-XXXXXX)"
pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT INT TERM

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-load-bench-secret-not-for-production}"
export DJANGO_DEBUG=false AUTHGW_VAR_DIR="$work" LOG_LEVEL=warn
export DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="load-$$"

# --- the identity provider ------------------------------------------------------------------
AUTH0EMULATOR_ENABLED=true "$PYTHON" manage.py auth0emulator --host 127.0.0.1 --port 0 \
  --seed auth0emulator/seeds/demo.json \
  --data "$work/emulator.json" >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
emulator_url=""
for _ in $(seq 1 300); do
  emulator_url="$(sed -n 's/^auth0emulator ready on \(http:[^ ]*\)\/$/\1/p' "$work/emulator.out")"
  [[ -n "$emulator_url" ]] && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$emulator_url" ]] || { echo "the emulator did not start" >&2; exit 1; }

# --- the product ----------------------------------------------------------------------------
port="$(free_port)"
product="http://127.0.0.1:$port"
"$PYTHON" - "$emulator_url" "$product" "$work/config.json" <<'PY'
import json, sys
from auth0client.config import default_config_document
document = default_config_document(auth0_url=sys.argv[1], product_url=sys.argv[2])
open(sys.argv[3], "w").write(json.dumps(document))
PY
export SERVICE_CONFIG_PATH="$work"
"$PYTHON" manage.py migrate --no-input -v0
"$PYTHON" manage.py seed_demo --wait 20 >/dev/null 2>"$work/seed.log" \
  || { cat "$work/seed.log" >&2; exit 1; }
"$PYTHON" -m gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port" >"$work/gunicorn.log" 2>&1 &
master=$!
pids+=("$master")
for _ in $(seq 1 300); do
  curl -fs -o /dev/null "$product/-/healthz" && break
  kill -0 "$master" 2>/dev/null || { cat "$work/gunicorn.log" >&2; exit 1; }
  sleep 0.1
done

# --- a real session: the password grant as the demo admin -----------------------------------
curl -fs -o /dev/null -c "$work/cookies" -d grant_type=password \
  -d username=admin@example.com -d 'password=Admin-Passw0rd!' "$product/oauth/token"
sid="$(awk '$6 == "sid" {print $7}' "$work/cookies")"
[[ -n "$sid" ]] || { echo "sign-in failed" >&2; exit 1; }
auth_headers=(-H "Cookie: sid=$sid" -H "Original-Request-Uri: /users" -H "Original-Request-Method: GET")
check="$(curl -s -o /dev/null -w '%{http_code}' "${auth_headers[@]}" "$product/auth")"
[[ "$check" == 200 ]] || { echo "/auth with the admin session answered $check, not 200" >&2; exit 1; }

store="embedded default (SQLite + database cache)"
[[ -n "${REDIS_URL:-}" ]] && store="Redis ($REDIS_URL)"
echo "product $product (gunicorn ${GUNICORN_WORKERS:-2} workers x ${GUNICORN_THREADS:-8} threads)," \
  "sessions: $store; emulator $emulator_url"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s per scenario (after a ${WARMUP}s warm-up)"

failed=0
run_scenario() {  # name url wrk-args...
  local name="$1" url="$2"; shift 2
  local rss="$work/rss-$name.txt" out="$work/wrk-$name.txt"
  if (( WARMUP > 0 )); then
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null
  fi
  "$PYTHON" bench/load_rss.py sample "$master" "$rss" &
  local sampler=$! cpu_before cpu_after
  pids+=("$sampler")
  cpu_before="$("$PYTHON" bench/load_rss.py cpu "$master")"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/load.lua "$@" "$url" >"$out"
  cpu_after="$("$PYTHON" bench/load_rss.py cpu "$master")"
  kill -TERM "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  pids=("${pids[@]/#$sampler/}")  # stopped: never signal that id again
  local result memory requests
  result="$(grep '^RESULT ' "$out" | cut -d' ' -f2-)"
  requests="$(sed -n 's/^requests=\([0-9]*\).*/\1/p' <<<"$result")"
  memory="$("$PYTHON" bench/load_rss.py report "$rss" "$WINDOW" "$requests" \
    "$((cpu_after - cpu_before))" | cut -d' ' -f2-)"
  echo "$name: $result $memory"
  local s5 errors growth
  s5="$(sed -n 's/.* s5xx=\([0-9]*\).*/\1/p' <<<"$result")"
  errors="$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$result")"
  growth="$(sed -n 's/.*growth_pct=\(-\{0,1\}[0-9.]*\).*/\1/p' <<<"$memory")"
  if (( s5 > 0 || errors > 0 )); then echo "  FAIL: $s5 answers 5xx, $errors socket errors"; failed=1; fi
  if awk -v g="$growth" 'BEGIN { exit !(g >= 10) }'; then
    echo "  FAIL: resident memory grew by $growth % (limit 10 %)"; failed=1
  fi
}

run_scenario forward-auth "$product/auth" "${auth_headers[@]}"
run_scenario login-page "$product/web-login" -H "Accept: text/html"
exit "$failed"
