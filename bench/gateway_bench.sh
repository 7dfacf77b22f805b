#!/usr/bin/env bash
# The gateway bench (issue 15): authgw's in-process proxy and the nginx scale-out path beside the
# anchor, Apache httpd + mod_auth_openidc on Redis, in ONE run on ONE machine, loopback only,
# printing one table and issue 15's targets. Not part of the test suite.
#
# Every server is started here on free loopback ports and stopped on exit (by process id), with
# the functions of bench/bench_lib.sh and bench/forward_auth_support.py (shared with
# forward_auth_bench.sh):
#   - nginx serving one small JSON file at every path: the upstream of every row;
#   - the Auth0 emulator, the OpenID provider of authgw and of Apache; every session comes from a
#     real login (the code flow through the emulator's hosted login page);
#   - authgw under gunicorn.conf.py (2 workers x 8 threads), sessions in Redis, with a routes file
#     (GATEWAY_ROUTES_FILE) of two endpoints to the upstream, /public and /admin, and an auth.json
#     (CONFIGURATION_PATH + CONFIGURATION_FILE_NAME: the shipped rules plus /public public and
#     /admin `groups.admin`), written by bench/gateway_support.py;
#   - nginx with the configuration `manage.py gateway nginx-conf` renders for the same routes file
#     (auth_request -> authgw /auth, then the upstream, keep-alive pools);
#   - Apache httpd (mpm_event, Debian's defaults) + mod_auth_openidc, `OIDCCacheType redis` on the
#     same Redis, a protected location proxying to the same upstream.
# Rows (wrk -t2 -c32 --latency after a warm-up):
#   (a) the nginx upstream directly; (b) authgw proxying /public, no session; (c) authgw proxying
#   /admin with the demo admin's session; (d) nginx auth_request -> authgw /auth -> upstream,
#   /admin with the same session; (anchor) Apache + mod_auth_openidc (Redis) with its session.
# CPU µs per request from /proc (utime + stime of every process of each server): "server" is the
# system under test (nginx for (a), gunicorn for (b)-(d), Apache for the anchor), "nginx" every
# nginx process in the path (the upstream; the front too for (d)), "redis" the Redis server
# (INFO cpu: the whole server, so other clients of a shared Redis count too), "all" their sum.
# On a shared machine compare CPU µs and same-run ratios, not req/s.
#
#   bench/gateway_bench.sh                      # about 3 minutes
#   BENCH_SECONDS=10 bench/gateway_bench.sh     # shorter measured runs (default 20 s)
#
# BENCH_WARMUP (5 s), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_REDIS_URL
# (redis://127.0.0.1:6379/9), BENCH_DATABASE_URL (authgw's database; unset: SQLite) can be set.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh
bench_prerequisites
bench_workdir authgw-gateway-bench

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-gateway-bench-secret-not-for-production}"
export DJANGO_DEBUG=false LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="gw-bench-$$"
unset REDIS_HOSTS REDIS_MODE
apache_port="$(free_port)"; upstream_port="$(free_port)"; front_port="$(free_port)"
product_port="$(free_port)"
upstream="http://127.0.0.1:$upstream_port"
product="http://127.0.0.1:$product_port"
front="http://127.0.0.1:$front_port"
apache="http://127.0.0.1:$apache_port"

start_upstream "$upstream_port"
start_emulator "$product" "$apache/redirect_uri"

# --- authgw with the routes file, sessions in Redis -----------------------------------------
"$PYTHON" bench/gateway_support.py files "$work" "$upstream"
export GATEWAY_ROUTES_FILE="$work/routes.json" CONFIGURATION_PATH="$work"
export CONFIGURATION_FILE_NAME=bench_auth
write_authgw_config "$product"
start_authgw "$work/authgw" "$product_port" "$REDIS" "${BENCH_DATABASE_URL:-}"
sid="$(support login-authgw "$product")"

# --- nginx: the rendered scale-out configuration for the same routes -------------------------
"${authgw_store[@]}" "$PYTHON" manage.py gateway nginx-conf --authgw "$product" \
  --listen "127.0.0.1:$front_port" >"$work/front.conf"
start_nginx front "$work/front.conf"
front_pid="${pids[-1]}"
wait_http "$front/-/healthz" "$front_pid" "$work/nginx-front/error.log"

expect_status 200 "authgw /public without a session" "$product/public/small.json"
expect_status 401 "authgw /admin without a session" -H "Accept: application/json" \
  "$product/admin/small.json"
expect_status 200 "authgw /admin with the admin's session" -H "Cookie: sid=$sid" \
  "$product/admin/small.json"
expect_status 200 "nginx -> authgw /admin with the admin's session" -H "Cookie: sid=$sid" \
  "$front/admin/small.json"
expect_status 401 "nginx -> authgw /admin without a session" -H "Accept: application/json" \
  "$front/admin/small.json"

print_load
measure "(a) nginx static upstream, directly" --server "$upstream_pid" -- "$upstream/small.json"
measure "(b) authgw in-process proxy, public route, no session" --server "$authgw_pid" \
  --nginx "$upstream_pid" --redis "$REDIS" -- "$product/public/small.json"
measure "(c) authgw in-process proxy, groups.admin route, signed in" --server "$authgw_pid" \
  --nginx "$upstream_pid" --redis "$REDIS" -- -H "Cookie: sid=$sid" "$product/admin/small.json"
measure "(d) nginx auth_request -> authgw /auth -> upstream, groups.admin route, signed in" \
  --server "$authgw_pid" --nginx "$front_pid" --nginx "$upstream_pid" --redis "$REDIS" \
  -- -H "Cookie: sid=$sid" "$front/admin/small.json"
stop "$authgw_pid"

# --- the anchor: Apache httpd + mod_auth_openidc, session cache in the same Redis -------------
start_apache redis "$apache_port" "$upstream_port"
measure "(anchor) Apache + mod_auth_openidc, OIDCCacheType redis, protected + proxied" \
  --server "$apache_pid" --nginx "$upstream_pid" --redis "$REDIS" \
  -- -H "Cookie: $apache_cookie" "$apache/small.json"
stop "$apache_pid"

echo
"$PYTHON" bench/gateway_support.py report "$results"
