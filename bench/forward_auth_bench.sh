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
#
# BENCH_WARMUP (5 s), BENCH_THREADS (2), BENCH_CONNECTIONS (32), BENCH_REDIS_URL
# (redis://127.0.0.1:6379/9: Apache's Redis cache and authgw's Redis rows; Apache uses the same
# database number), BENCH_DATABASE_URL (the Redis rows' database; unset: SQLite) can be set.
# Missing Debian packages (apache2, libapache2-mod-auth-openidc, nginx, wrk) are installed as
# bin/install-system-deps.sh does (needs root); a missing .venv is built with `make`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_ROW="${BENCH_SECONDS:-20}"
WARMUP="${BENCH_WARMUP:-5}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}"
PYTHON=.venv/bin/python

# --- what the bench needs -------------------------------------------------------------------
[[ -x "$PYTHON" && -f .venv/.installed ]] || make .venv/.installed
wanted=(apache2 libapache2-mod-auth-openidc nginx wrk)
missing=()
for pkg in "${wanted[@]}"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if ((${#missing[@]})); then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The bench starts its own copies on free ports: never the system services.
  service apache2 stop >/dev/null 2>&1 || true
  service nginx stop >/dev/null 2>&1 || true
fi
"$PYTHON" -c 'import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()' "$REDIS" \
  || { echo "Redis is not reachable at $REDIS (BENCH_REDIS_URL)" >&2; exit 1; }
redis_host_port="$("$PYTHON" -c 'import sys; from urllib.parse import urlsplit; u = urlsplit(sys.argv[1]); print(f"{u.hostname}:{u.port or 6379}")' "$REDIS")"
redis_db="$("$PYTHON" -c 'import sys; from urllib.parse import urlsplit; print(urlsplit(sys.argv[1]).path.strip("/") or 0)' "$REDIS")"

work="$(mktemp -d -t authgw-fwd-bench-XXXXXX)"
chmod 755 "$work"
pids=()
stop() {  # pid...: stop these processes and wait for them
  local pid
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
  local keep=() kept
  for kept in "${pids[@]}"; do [[ " $* " == *" $kept "* ]] || keep+=("$kept"); done
  pids=("${keep[@]}")  # stopped: never signal those ids again
}
stop_all() {
  trap - EXIT INT TERM
  ((${#pids[@]})) && stop "${pids[@]}"
  rm -rf "$work"
}
trap stop_all EXIT INT TERM

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # url pid log: until the url answers (any status)
  for _ in $(seq 1 600); do
    curl -s -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 40 "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "$1 never answered" >&2; tail -n 40 "$3" >&2; exit 1
}
support() { "$PYTHON" bench/forward_auth_support.py "$@"; }
results="$work/results.jsonl"
measure() {  # name --server PID [--nginx PID]... [--redis URL] -- wrk args...
  local name="$1"; shift
  support measure "$results" "$name" --seconds "$SECONDS_PER_ROW" --warmup "$WARMUP" \
    --threads "$THREADS" --connections "$CONNECTIONS" "$@"
}

export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-forward-auth-bench-secret-not-for-production}"
export DJANGO_DEBUG=false LOG_LEVEL=warn DELAY_SHUTDOWN_SECONDS=0 SESSION_SCOPE="fwd-bench-$$"
unset REDIS_HOSTS REDIS_MODE
apache_port="$(free_port)"; upstream_port="$(free_port)"; front_port="$(free_port)"
product_port="$(free_port)"; hello_port="$(free_port)"
product="http://127.0.0.1:$product_port"
apache="http://127.0.0.1:$apache_port"

# --- nginx: the static upstream, and the auth_request front (asking authgw) -----------------
start_nginx() {  # name server-block-file: prints nothing, appends the pid to pids
  local dir="$work/nginx-$1"
  mkdir -p "$dir"/{body,proxy,fastcgi,uwsgi,scgi}
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $2;
}
EOF
  touch "$dir/error.log"
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >/dev/null 2>&1 &
  pids+=($!)
}
mkdir -p "$work/www"
printf '{"id":42,"name":"a small file","items":[1,2,3],"note":"served by nginx to every row"}\n' \
  >"$work/www/small.json"
cat >"$work/upstream.conf" <<EOF
server {
    listen 127.0.0.1:$upstream_port;
    root $work/www;
    default_type application/json;
    location / { try_files /small.json =404; }
}
EOF
start_nginx upstream "$work/upstream.conf"
upstream_pid="${pids[-1]}"
wait_http "http://127.0.0.1:$upstream_port/" "$upstream_pid" "$work/nginx-upstream/error.log"
support nginx-front "$work/front.conf" "$front_port" "$product_port" "$upstream_port"
start_nginx front "$work/front.conf"
front_pid="${pids[-1]}"

# --- the identity provider ------------------------------------------------------------------
support seed "$work/seed.json" "$product" "$apache/redirect_uri"
AUTH0EMULATOR_ENABLED=true "$PYTHON" manage.py auth0emulator --host 127.0.0.1 --port 0 \
  --seed "$work/seed.json" --data :memory: >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
pids+=("$emulator_pid")
emulator=""
for _ in $(seq 1 300); do
  emulator="$(sed -n 's/^auth0emulator ready on \(http:[^ ]*\)\/$/\1/p' "$work/emulator.out")"
  [[ -n "$emulator" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$emulator" ]] || { echo "the emulator did not start" >&2; exit 1; }

echo "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${SECONDS_PER_ROW}s measured per row;" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "nginx serving the small file (the rig's ceiling)" --server "$upstream_pid" \
  -- "http://127.0.0.1:$upstream_port/users"

# --- the anchor: Apache httpd + mod_auth_openidc --------------------------------------------
modules=/usr/lib/apache2/modules
apache_user=""
[[ "$(id -u)" -eq 0 ]] && apache_user="User www-data
Group www-data"
run_apache() {  # cache-type label
  local dir="$work/apache-$1" cache="OIDCCacheType $1"
  mkdir -p "$dir"
  chmod 755 "$dir"
  [[ "$1" == redis ]] && cache="OIDCCacheType redis
OIDCRedisCacheServer $redis_host_port
OIDCRedisCacheDatabase $redis_db"
  cat >"$dir/apache2.conf" <<EOF
ServerRoot $dir
ServerName 127.0.0.1
Listen 127.0.0.1:$apache_port
PidFile $dir/apache2.pid
DefaultRuntimeDir $dir
ErrorLog $dir/error.log
LogLevel warn
$apache_user
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_http_module $modules/mod_proxy_http.so
LoadModule auth_openidc_module $modules/mod_auth_openidc.so
# Debian's apache2.conf defaults
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
OIDCProviderMetadataURL $emulator/.well-known/openid-configuration
OIDCClientID apache-bench
OIDCClientSecret apache-bench-secret
OIDCRedirectURI $apache/redirect_uri
OIDCCryptoPassphrase fwd-bench-passphrase-$$
OIDCScope "openid email profile"
OIDCPKCEMethod S256
$cache
ProxyPass /redirect_uri !
ProxyPass / http://127.0.0.1:$upstream_port/
<Location />
    AuthType openid-connect
    Require valid-user
</Location>
EOF
  touch "$dir/error.log"
  /usr/sbin/apache2 -f "$dir/apache2.conf" -DFOREGROUND >>"$dir/error.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_http "$apache/" "$pid" "$dir/error.log"
  local cookie
  cookie="$(support login-apache "$apache/users")"
  local redis_args=()
  [[ "$1" == redis ]] && redis_args=(--redis "$REDIS")
  measure "$2" --server "$pid" --nginx "$upstream_pid" "${redis_args[@]}" \
    -- -H "Cookie: $cookie" "$apache/users"
  stop "$pid"
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

# --- authgw ---------------------------------------------------------------------------------
"$PYTHON" - "$emulator" "$product" "$work/config.json" <<'PY'
import json, sys
from auth0client.config import default_config_document
document = default_config_document(auth0_url=sys.argv[1], product_url=sys.argv[2])
open(sys.argv[3], "w").write(json.dumps(document))
PY
export SERVICE_CONFIG_PATH="$work"
run_authgw() {  # store-label redis-url database-url: the three rows on that store
  local label="$1" var="$work/authgw-$2"
  local store=(env -u REDIS_URL -u DATABASE_URL AUTHGW_VAR_DIR="$var")
  [[ -n "$3" ]] && store+=(REDIS_URL="$3")
  [[ -n "$4" ]] && store+=(DATABASE_URL="$4")
  mkdir -p "$var"
  "${store[@]}" "$PYTHON" manage.py migrate --no-input -v0
  "${store[@]}" "$PYTHON" manage.py seed_demo --wait 20 >/dev/null 2>"$var/seed.log" \
    || { cat "$var/seed.log" >&2; exit 1; }
  "${store[@]}" "$PYTHON" -m gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$product_port" \
    >"$var/gunicorn.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  wait_http "$product/-/healthz" "$pid" "$var/gunicorn.log"
  local sid
  sid="$(support login-authgw "$product")"
  local ask=(-H "Original-Request-Uri: /users" -H "Original-Request-Method: GET")
  local check
  check="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sid=$sid" "${ask[@]}" "$product/auth")"
  [[ "$check" == 200 ]] || { echo "/auth with the admin's session: $check, not 200" >&2; exit 1; }
  check="$(curl -s -o "$var/front.out" -w '%{http_code}' -H "Cookie: sid=$sid" \
    "http://127.0.0.1:$front_port/users")"
  [[ "$check" == 200 ]] || {
    echo "nginx -> authgw with the admin's session: $check, not 200" >&2
    cat "$var/front.out" "$work/nginx-front/error.log" >&2; tail -n 20 "$var/gunicorn.log" >&2
    exit 1
  }
  local redis_args=()
  [[ -n "$3" ]] && redis_args=(--redis "$3")
  measure "authgw GET /auth signed in, direct ($label)" --server "$pid" "${redis_args[@]}" \
    -- -H "Cookie: sid=$sid" "${ask[@]}" "$product/auth"
  measure "authgw GET /auth anonymous (401), direct ($label)" --server "$pid" \
    "${redis_args[@]}" -- -H "Accept: application/json" "${ask[@]}" "$product/auth"
  measure "nginx auth_request -> authgw /auth -> nginx, signed in ($label)" --server "$pid" \
    --nginx "$front_pid" --nginx "$upstream_pid" "${redis_args[@]}" \
    -- -H "Cookie: sid=$sid" "http://127.0.0.1:$front_port/users"
  stop "$pid"
}
run_authgw "Redis sessions" redis "$REDIS" "${BENCH_DATABASE_URL:-}"
run_authgw "embedded default" embedded "" ""

echo
support table "$results"
