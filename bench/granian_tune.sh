#!/usr/bin/env bash
# Which Granian (WSGI mode) settings serve authgw's signed-in GET /auth cheapest per request,
# beside gunicorn under gunicorn.conf.py (2 workers x 8 threads), in ONE run (issue 14 item 3:
# "measure gunicorn gthread against Granian"). Not part of the test suite.
#
# Starts the emulator, prepares authgw on Redis sessions once (BENCH_REDIS_URL), signs the demo
# admin in (a real login), then for each server setting in turn: serve authgw, a warm-up, a
# measured `wrk -t2 -c32` on GET /auth with the admin's sid, stop. TUNE_ROUNDS (1) repeats the
# whole list, interleaved, so a noisy neighbour spreads over every setting rather than one.
# Columns as in forward_auth_bench.sh (CPU µs per request of every process of the server).
#
#   bench/granian_tune.sh
#   BENCH_SECONDS=10 TUNE_ROUNDS=2 bench/granian_tune.sh
#   TUNE_SETTINGS=$'--workers 2 --blocking-threads 8\n--workers 2 --blocking-threads 2' \
#     bench/granian_tune.sh         # one Granian setting a line ("gunicorn": gunicorn.conf.py)
#   TUNE_SETTINGS=$'gunicorn\n--workers 2 --blocking-threads 8' TUNE_ANONYMOUS=1 TUNE_ROUNDS=4 \
#     bench/granian_tune.sh         # + an anonymous (401) row per setting: paired ratios
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh
bench_prerequisites
granian_prerequisites
bench_workdir authgw-granian-tune

ROUNDS="${TUNE_ROUNDS:-1}"
SETTINGS="${TUNE_SETTINGS:-gunicorn
--workers 2 --blocking-threads 8 --runtime-mode st
--workers 2 --blocking-threads 8 --runtime-mode mt
--workers 2 --blocking-threads 4 --runtime-mode st
--workers 2 --blocking-threads 2 --runtime-mode st
--workers 2 --blocking-threads 1 --runtime-mode st
--workers 2 --runtime-mode st}"

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-granian-tune-secret-not-for-production}"
export DJANGO_DEBUG=false LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="granian-tune-$$"
unset REDIS_HOSTS REDIS_MODE
product_port="$(free_port)"
product="http://127.0.0.1:$product_port"
start_emulator "$product" "http://127.0.0.1:1/unused"
write_authgw_config "$product"
prepare_authgw "$work/authgw" "$REDIS" "${BENCH_DATABASE_URL:-}"
ask=(-H "Original-Request-Uri: /users" -H "Original-Request-Method: GET")

print_load
sid=""
for round in $(seq 1 "$ROUNDS"); do
  while IFS= read -r setting; do
    [[ -n "$setting" ]] || continue
    if [[ "$setting" == gunicorn ]]; then
      serve_authgw "$work/authgw" "$product_port" gunicorn
      label="gunicorn gunicorn.conf.py (2 x 8 gthread)"
    else
      serve_authgw "$work/authgw" "$product_port" granian "$setting"
      label="granian $setting"
    fi
    [[ -n "$sid" ]] || sid="$(support login-authgw "$product")"
    expect_status 200 "/auth with the admin's session" -H "Cookie: sid=$sid" "${ask[@]}" \
      "$product/auth"
    measure "$label, GET /auth signed in (round $round)" --server "$authgw_pid" --redis "$REDIS" \
      -- -H "Cookie: sid=$sid" "${ask[@]}" "$product/auth"
    if [[ -n "${TUNE_ANONYMOUS:-}" ]]; then
      measure "$label, GET /auth anonymous (round $round)" --server "$authgw_pid" \
        --redis "$REDIS" -- -H "Accept: application/json" "${ask[@]}" "$product/auth"
    fi
    stop "$authgw_pid"
  done <<<"$SETTINGS"
done

echo
support table "$results"
