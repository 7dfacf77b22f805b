# shellcheck shell=bash
# The shell half shared by bench/forward_auth_bench.sh and bench/gateway_bench.sh, sourced from
# the repository's root (the Python half is bench/forward_auth_support.py): settings,
# prerequisites, process bookkeeping, and starting the servers every bench row needs — the nginx
# static upstream, the Auth0 emulator, Apache httpd + mod_auth_openidc, authgw under gunicorn.
# Every server listens on a free loopback port; its pid goes into `pids`; all stop on exit.
#
# BENCH_SECONDS (20), BENCH_WARMUP (5), BENCH_THREADS (2), BENCH_CONNECTIONS (32) and
# BENCH_REDIS_URL (redis://127.0.0.1:6379/9; Apache's Redis cache uses the same database number);
# BENCH_KEEP=1 keeps the work directory (every config and server log) instead of removing it.

SECONDS_PER_ROW="${BENCH_SECONDS:-20}"
WARMUP="${BENCH_WARMUP:-5}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/9}"
PYTHON=.venv/bin/python

bench_prerequisites() {  # the venv, the Debian packages, Redis; sets redis_host_port, redis_db
  [[ -x "$PYTHON" && -f .venv/.installed ]] || make .venv/.installed
  local wanted=(apache2 libapache2-mod-auth-openidc nginx wrk) missing=() pkg
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
}

bench_workdir() {  # prefix: sets work (removed on exit), results, pids; traps exit
  work="$(mktemp -d -t "$1-XXXXXX")"
  chmod 755 "$work"
  results="$work/results.jsonl"
  pids=()
  trap stop_all EXIT INT TERM
}
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
  if [[ -n "${BENCH_KEEP:-}" ]]; then echo "kept: $work (configs, logs)" >&2; else rm -rf "$work"; fi
}

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
measure() {  # name --server PID [--nginx PID]... [--redis URL] -- wrk args...
  local name="$1"; shift
  support measure "$results" "$name" --seconds "$SECONDS_PER_ROW" --warmup "$WARMUP" \
    --threads "$THREADS" --connections "$CONNECTIONS" "$@"
}
expect_status() {  # status what curl-args...: the answer must have that status
  local want="$1" what="$2" got
  shift 2
  got="$(curl -s -o "$work/check.out" -w '%{http_code}' "$@")"
  [[ "$got" == "$want" ]] || {
    echo "$what: $got, not $want" >&2; head -c 600 "$work/check.out" >&2; echo >&2; exit 1
  }
}
print_load() {
  echo "wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${SECONDS_PER_ROW}s measured per row;" \
    "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- nginx ----------------------------------------------------------------------------------
start_nginx() {  # name server-block-file: one process (no master), its pid appended to pids
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
start_upstream() {  # port: nginx serving one small JSON file at every path; sets upstream_pid
  mkdir -p "$work/www"
  printf '{"id":42,"name":"a small file","items":[1,2,3],"note":"served by nginx to every row"}\n' \
    >"$work/www/small.json"
  cat >"$work/upstream.conf" <<EOF
server {
    listen 127.0.0.1:$1;
    root $work/www;
    default_type application/json;
    location / { try_files /small.json =404; }
}
EOF
  start_nginx upstream "$work/upstream.conf"
  upstream_pid="${pids[-1]}"
  wait_http "http://127.0.0.1:$1/" "$upstream_pid" "$work/nginx-upstream/error.log"
}

# --- the identity provider ------------------------------------------------------------------
start_emulator() {  # product-url apache-redirect-uri: the bench seed; sets emulator (its URL)
  support seed "$work/seed.json" "$1" "$2"
  : >"$work/emulator.out"  # exists before the loop below reads it
  AUTH0EMULATOR_ENABLED=true "$PYTHON" manage.py auth0emulator --host 127.0.0.1 --port 0 \
    --seed "$work/seed.json" --data :memory: >"$work/emulator.out" 2>"$work/emulator.log" &
  local pid=$!
  pids+=("$pid")
  emulator=""
  for _ in $(seq 1 300); do
    emulator="$(sed -n 's/^auth0emulator ready on \(http:[^ ]*\)\/$/\1/p' "$work/emulator.out")"
    [[ -n "$emulator" ]] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "the emulator did not start" >&2; exit 1
}

# --- the anchor: Apache httpd + mod_auth_openidc --------------------------------------------
start_apache() {  # cache-type (shm|redis) port upstream-port: `<Location />` protected and
  # proxied to the upstream; a real login; sets apache_pid, apache_cookie. Needs `emulator`.
  local cache_type="$1" port="$2" upstream_port="$3"
  local dir="$work/apache-$cache_type" cache="OIDCCacheType $cache_type"
  local modules=/usr/lib/apache2/modules apache_user="" url="http://127.0.0.1:$port"
  mkdir -p "$dir"
  chmod 755 "$dir"
  [[ "$(id -u)" -eq 0 ]] && apache_user="User www-data
Group www-data"
  [[ "$cache_type" == redis ]] && cache="OIDCCacheType redis
OIDCRedisCacheServer $redis_host_port
OIDCRedisCacheDatabase $redis_db"
  cat >"$dir/apache2.conf" <<EOF
ServerRoot $dir
ServerName 127.0.0.1
Listen 127.0.0.1:$port
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
OIDCRedirectURI $url/redirect_uri
OIDCCryptoPassphrase bench-passphrase-$$
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
  apache_pid=$!
  pids+=("$apache_pid")
  wait_http "$url/" "$apache_pid" "$dir/error.log"
  apache_cookie="$(support login-apache "$url/users")"
}

# --- authgw ---------------------------------------------------------------------------------
write_authgw_config() {  # product-url: config.json for the emulator's demo tenant. Needs `emulator`.
  "$PYTHON" - "$emulator" "$1" "$work/config.json" <<'PY'
import json, sys
from auth0client.config import default_config_document
document = default_config_document(auth0_url=sys.argv[1], product_url=sys.argv[2])
open(sys.argv[3], "w").write(json.dumps(document))
PY
  export SERVICE_CONFIG_PATH="$work"
}
start_authgw() {  # var-dir port redis-url database-url [server [granian-settings]]: prepare, serve
  prepare_authgw "$1" "$3" "$4"
  serve_authgw "$1" "$2" "${5:-gunicorn}" "${6:-}"
}
prepare_authgw() {  # var-dir redis-url database-url: migrate, seed the demo users; empty urls:
  # that store's embedded default. Sets authgw_store (the env prefix to run manage.py or a server
  # with that store).
  local var="$1"
  authgw_store=(env -u REDIS_URL -u DATABASE_URL AUTHGW_VAR_DIR="$var")
  [[ -n "$2" ]] && authgw_store+=(REDIS_URL="$2")
  [[ -n "$3" ]] && authgw_store+=(DATABASE_URL="$3")
  mkdir -p "$var"
  "${authgw_store[@]}" "$PYTHON" manage.py migrate --no-input -v0
  "${authgw_store[@]}" "$PYTHON" manage.py seed_demo --wait 20 >/dev/null 2>"$var/seed.log" \
    || { cat "$var/seed.log" >&2; exit 1; }
}
serve_authgw() {  # var-dir port [server [granian-settings]]: authgw on 127.0.0.1:port with
  # gunicorn.conf.py (2 x 8, the default), or with `granian` (Granian in WSGI mode, GRANIAN_ARGS
  # or the settings given). Needs authgw_store. Sets authgw_pid.
  local var="$1" port="$2" server="${3:-gunicorn}"
  if [[ "$server" == granian ]]; then
    granian_command "$port" authgw.wsgi:application "${4:-}"
    "${authgw_store[@]}" "${granian_cmd[@]}" >"$var/granian.log" 2>&1 &
  else
    "${authgw_store[@]}" "$PYTHON" -m gunicorn -c gunicorn.conf.py --bind "127.0.0.1:$port" \
      >"$var/gunicorn.log" 2>&1 &
  fi
  authgw_pid=$!
  pids+=("$authgw_pid")
  wait_http "http://127.0.0.1:$port/-/healthz" "$authgw_pid" "$var/$server.log"
}

# --- Granian (WSGI mode), the alternative to gunicorn measured beside it (issue 14) ------------
# BENCH_GRANIAN_ARGS: the settings under test; the default is the one bench/granian_tune.sh
# found cheapest per request among those comparable to gunicorn's 2 workers x 8 threads.
GRANIAN_ARGS="${BENCH_GRANIAN_ARGS:---workers 2 --blocking-threads 8}"
granian_prerequisites() {  # Granian is a bench-only package: bench/requirements.txt
  "$PYTHON" -c 'import granian' 2>/dev/null \
    || "$PYTHON" -m pip install --quiet -r bench/requirements.txt
}
granian_command() {  # port wsgi-target [settings]: sets granian_cmd, the command line (an array);
  # settings: one string of granian options, GRANIAN_ARGS when omitted.
  local settings=()
  read -ra settings <<<"${3:-$GRANIAN_ARGS}"
  granian_cmd=("$PYTHON" -m granian --interface wsgi --host 127.0.0.1 --port "$1" --no-ws
    --log-level warning --respawn-failed-workers "${settings[@]}" "$2")
}
