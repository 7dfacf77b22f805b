#!/usr/bin/env bash
# Is authgw's resident memory flat under load? Issue 14's target: "RSS flat (± 5 %) over a
# 10-minute run". Loopback only; not part of the test suite.
#
# Starts the emulator and authgw under gunicorn.conf.py (2 workers x 8 threads) with sessions in
# Redis (BENCH_REDIS_URL; BENCH_DATABASE_URL for its database, SQLite when unset), signs the demo
# admin in (a real login), then runs wrk (-t2 -c32) on signed-in GET /auth for the warm-up, and
# again (bench/load.lua) for the soak, sampling the RSS of every gunicorn process (the master and
# each worker, from /proc) every RSS_SOAK_EVERY seconds from the soak's start to its end; then
# prints per process: first, last, max and min RSS, last vs first and max vs first in %, and
# the same for their sum; and wrk's answers, req/s and gunicorn's CPU µs per request over the soak.
# Exit status 1 when a process's RSS left first ± RSS_SOAK_LIMIT % (5) at any sample, or on any
# 5xx or socket error.
#
#   bench/rss_soak.sh                              # 60 s warm-up + 600 s sampled, ~11.5 minutes
#   RSS_SOAK_SECONDS=120 RSS_SOAK_WARMUP=20 bench/rss_soak.sh
#
# RSS_SOAK_EVERY (10 s), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_KEEP=1 (keep the
# work directory: the samples, the server log) can be set too.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh
bench_prerequisites
bench_workdir authgw-rss-soak

SOAK="${RSS_SOAK_SECONDS:-600}"
SOAK_WARMUP="${RSS_SOAK_WARMUP:-60}"
EVERY="${RSS_SOAK_EVERY:-10}"
LIMIT="${RSS_SOAK_LIMIT:-5}"

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-rss-soak-secret-not-for-production}"
export DJANGO_DEBUG=false LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="rss-soak-$$"
unset REDIS_HOSTS REDIS_MODE
product_port="$(free_port)"
product="http://127.0.0.1:$product_port"
start_emulator "$product" "http://127.0.0.1:1/unused"
write_authgw_config "$product"
start_authgw "$work/authgw" "$product_port" "$REDIS" "${BENCH_DATABASE_URL:-}"
master="$authgw_pid"
sid="$(support login-authgw "$product")"
ask=(-H "Cookie: sid=$sid" -H "Original-Request-Uri: /users" -H "Original-Request-Method: GET")
expect_status 200 "/auth with the admin's session" "${ask[@]}" "$product/auth"

# The code measured: the commit, and whether the work tree differs from it outside bench/
# (BENCH_COMMIT names it where there is no .git, e.g. a `git archive` snapshot).
commit="${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git diff --quiet HEAD -- . ':!bench' || commit+=" + uncommitted changes"
fi
echo "commit $commit; authgw under gunicorn.conf.py, sessions in Redis ($REDIS)"
echo "wrk -t$THREADS -c$CONNECTIONS on signed-in GET /auth: ${SOAK_WARMUP}s warm-up, then" \
  "${SOAK}s sampled every ${EVERY}s; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SOAK_WARMUP}s" "${ask[@]}" "$product/auth" >/dev/null
"$PYTHON" bench/load_rss.py per-process "$master" "$work/rss.txt" "$EVERY" &
sampler=$!
pids+=("$sampler")
cpu_before="$("$PYTHON" bench/load_rss.py cpu "$master")"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SOAK}s" --latency -s bench/load.lua \
  "${ask[@]}" "$product/auth" >"$work/wrk.txt"
cpu_after="$("$PYTHON" bench/load_rss.py cpu "$master")"
sleep 1  # one more sample with the load just ended
stop "$sampler"

result="$(grep '^RESULT ' "$work/wrk.txt" | cut -d' ' -f2-)"
requests="$(sed -n 's/^requests=\([0-9]*\).*/\1/p' <<<"$result")"
echo "wrk over the soak: $result"
"$PYTHON" - "$((cpu_after - cpu_before))" "$requests" <<'PY'
import os, sys
ticks, requests = map(int, sys.argv[1:])
print(f"gunicorn CPU over the soak: {ticks / os.sysconf('SC_CLK_TCK') / requests * 1e6:.0f} µs per request")
PY
echo
failed=0
"$PYTHON" bench/load_rss.py soak-report "$work/rss.txt" "$LIMIT" || failed=1
if ((failed)); then
  echo "NOT FLAT: some process's RSS left its first sample ± $LIMIT % during the soak"
else
  echo "FLAT: every process's RSS stayed within its first sample ± $LIMIT %"
fi
s5="$(sed -n 's/.* s5xx=\([0-9]*\).*/\1/p' <<<"$result")"
errors="$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$result")"
if ((s5 > 0 || errors > 0)); then echo "FAIL: $s5 answers 5xx, $errors socket errors"; failed=1; fi
exit "$failed"
