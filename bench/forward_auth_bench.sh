#!/usr/bin/env bash
# The forward-auth bench (issue 14): authgw beside its anchor, Apache httpd + mod_auth_openidc, in
# ONE run on ONE machine, loopback only, printing one table. Not part of the test suite.
#
# Every server is started here, on free loopback ports, and stopped on exit (by process id):
#   - the Auth0 emulator (`manage.py auth0emulator`, a bench seed: the demo tenant plus a client
#     for Apache), the OpenID provider of every row; every session comes from a real login
#     (the code flow through the emulator's hosted login page, bench/forward_auth_support.py);
#   - nginx serving one small file: the upstream of every proxied row (and a row of its own: the
#     rig's ceiling);
#   - Apache httpd (mpm_event, Debian's defaults) + mod_auth_openidc, a protected location proxying
#     to that nginx, with `OIDCCacheType shm`, then `OIDCCacheType redis` (encrypted, its default);
#   - gunicorn + a bare Django "hello" view, no middleware (bench/hello/): the Python floor;
#   - authgw under gunicorn.conf.py (2 workers x 8 threads), on Redis sessions (REDIS_URL) and
#     then on the embedded default (SQLite + database cache): GET /auth signed in (the demo admin,
#     rule `groups.admin` on /users), GET /auth anonymous (401), and nginx `auth_request` ->
#     authgw /auth -> the nginx upstream, signed in (acl/examples/nginx-forward-auth.conf with
#     keep-alive `upstream {}` pools to authgw and to the upstream).
# Each row: a warm-up, then a measured wrk run (bench/load.lua counts answers by status). CPU
# microseconds per request come from /proc (utime + stime of every process of each server, as
# bench/load.sh reads them): "server" is the system under test (Apache, gunicorn, nginx for the
# ceiling), "nginx" the nginx processes in the path, "redis" the Redis server from INFO cpu (the
# whole server: on a shared Redis other clients count too), "all" their sum. RSS: the server's
# processes at the end of the row. On a shared machine compare CPU µs and same-run ratios, not
# req/s.
#
#   bench/forward_auth_bench.sh
#   BENCH_SECONDS=10 bench/forward_auth_bench.sh       # shorter measured runs (default 20 s)
#   BENCH_SERVERS="gunicorn granian" bench/forward_auth_bench.sh
#
# BENCH_SERVERS="gunicorn granian" adds, in the same run, the same Python rows served by Granian
# in WSGI mode (bench/requirements.txt, installed into .venv when missing; settings:
# BENCH_GRANIAN_ARGS, default in bench/bench_lib.sh): the bare Django view, and authgw on Redis
# sessions (signed in, anonymous, behind nginx), right after gunicorn's on the same store, sid
# and port.
#
# BENCH_WARMUP (5 s), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_REDIS_URL
# (redis://127.0.0.1:6379/9: Apache's Redis cache and authgw's Redis rows; Apache uses the same
# database number), BENCH_DATABASE_URL (the Redis rows' database; unset: SQLite) can be set.
# Missing Debian packages (apache2, libapache2-mod-auth-openidc, nginx, wrk) are installed as
# bin/install-system-deps.sh does (needs root); a missing .venv is built with `make`. The shared
# shell functions live in bench/bench_lib.sh, the Python ones in bench/forward_auth_support.py.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/bench_lib.sh
source bench/bench_lib.sh
bench_prerequisites
SERVERS="${BENCH_SERVERS:-gunicorn}"
[[ " $SERVERS " == *" granian "* ]] && granian_prerequisites
bench_workdir authgw-fwd-bench

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-forward-auth-bench-secret-not-for-production}"
export DJANGO_DEBUG=false LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="fwd-bench-$$"
unset REDIS_HOSTS REDIS_MODE
apache_port="$(free_port)"; upstream_port="$(free_port)"; front_port="$(free_port)"
product_port="$(free_port)"; hello_port="$(free_port)"
product="http://127.0.0.1:$product_port"
apache="http://127.0.0.1:$apache_port"

# --- nginx: the static upstream, and the auth_request front (asking authgw) -----------------
start_upstream "$upstream_port"
support nginx-front "$work/front.conf" "$front_port" "$product_port" "$upstream_port"
start_nginx front "$work/front.conf"
front_pid="${pids[-1]}"

# --- the identity provider ------------------------------------------------------------------
start_emulator "$product" "$apache/redirect_uri"

print_load
[[ " $SERVERS " == *" granian "* ]] && echo "granian rows: granian --interface wsgi $GRANIAN_ARGS"
measure "nginx serving the small file (the rig's ceiling)" --server "$upstream_pid" \
  -- "http://127.0.0.1:$upstream_port/users"

# --- the anchor: Apache httpd + mod_auth_openidc --------------------------------------------
run_apache() {  # cache-type label
  start_apache "$1" "$apache_port" "$upstream_port"
  local redis_args=()
  [[ "$1" == redis ]] && redis_args=(--redis "$REDIS")
  measure "$2" --server "$apache_pid" --nginx "$upstream_pid" "${redis_args[@]}" \
    -- -H "Cookie: $apache_cookie" "$apache/users"
  stop "$apache_pid"
}
run_apache shm "Apache + mod_auth_openidc, protected + proxied, shm session cache"
run_apache redis "Apache + mod_auth_openidc, protected + proxied, Redis session cache (encrypted)"

# --- the Python floor -----------------------------------------------------------------------
"$PYTHON" -m gunicorn --workers 2 --worker-class gthread --threads 8 --keep-alive 5 \
  --bind "127.0.0.1:$hello_port" bench.hello.wsgi:application >"$work/hello.log" 2>&1 &
hello_pid=$!
pids+=("$hello_pid")
wait_http "http://127.0.0.1:$hello_port/" "$hello_pid" "$work/hello.log"
measure "gunicorn 2x8 gthread + bare Django view, no middleware" --server "$hello_pid" \
  -- "http://127.0.0.1:$hello_port/users"
stop "$hello_pid"
if [[ " $SERVERS " == *" granian "* ]]; then
  granian_command "$hello_port" bench.hello.wsgi:application
  "${granian_cmd[@]}" >"$work/hello-granian.log" 2>&1 &
  hello_pid=$!
  pids+=("$hello_pid")
  wait_http "http://127.0.0.1:$hello_port/" "$hello_pid" "$work/hello-granian.log"
  measure "Granian + bare Django view, no middleware" --server "$hello_pid" \
    -- "http://127.0.0.1:$hello_port/users"
  stop "$hello_pid"
fi

# --- authgw ---------------------------------------------------------------------------------
write_authgw_config "$product"
run_authgw() {  # store-label var-name redis-url database-url [servers]: the rows on that store,
  # under gunicorn.conf.py and then under each other server named (granian)
  local label="$1" var="$work/authgw-$2" server
  prepare_authgw "$var" "$3" "$4"
  serve_authgw "$var" "$product_port" gunicorn
  local sid
  sid="$(support login-authgw "$product")"
  authgw_rows "$label" "$sid" "$3"
  for server in ${5:-}; do
    [[ "$server" == gunicorn ]] && continue
    stop "$authgw_pid"
    serve_authgw "$var" "$product_port" "$server"
    authgw_rows "$label, $server" "$sid" "$3"
  done
  stop "$authgw_pid"
}
authgw_rows() {  # label sid redis-url: the three rows against the authgw now serving (authgw_pid)
  local label="$1" sid="$2" pid="$authgw_pid"
  local ask=(-H "Original-Request-Uri: /users" -H "Original-Request-Method: GET")
  expect_status 200 "/auth with the admin's session" -H "Cookie: sid=$sid" "${ask[@]}" \
    "$product/auth"
  # Not /users: the shipped nginx example sends authgw's own routes (/users, /userinfo, ...)
  # straight to authgw, so that row would measure the UMS users view, not auth_request.
  expect_status 200 "nginx -> authgw with the admin's session" -H "Cookie: sid=$sid" \
    "http://127.0.0.1:$front_port/orders"
  local redis_args=()
  [[ -n "$3" ]] && redis_args=(--redis "$3")
  measure "authgw GET /auth signed in, direct ($label)" --server "$pid" "${redis_args[@]}" \
    -- -H "Cookie: sid=$sid" "${ask[@]}" "$product/auth"
  measure "authgw GET /auth anonymous (401), direct ($label)" --server "$pid" \
    "${redis_args[@]}" -- -H "Accept: application/json" "${ask[@]}" "$product/auth"
  measure "nginx auth_request -> authgw /auth -> nginx, signed in ($label)" --server "$pid" \
    --nginx "$front_pid" --nginx "$upstream_pid" "${redis_args[@]}" \
    -- -H "Cookie: sid=$sid" "http://127.0.0.1:$front_port/orders"
}
run_authgw "Redis sessions" redis "$REDIS" "${BENCH_DATABASE_URL:-}" "$SERVERS"
run_authgw "embedded default" embedded "" ""

echo
support table "$results"
