#!/usr/bin/env bash
# `make run`: the product on its embedded default (SQLite, database cache, the local Auth0
# emulator as identity provider, demo users seeded). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHON="${PYTHON:-.venv/bin/python}"
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
export HTTP_HOST="${HTTP_HOST:-127.0.0.1}"
export HTTP_PORT="${HTTP_PORT:-8080}"
export GUNICORN_WORKERS="${GUNICORN_WORKERS:-1}"
export DELAY_SHUTDOWN_SECONDS="${DELAY_SHUTDOWN_SECONDS:-0}"
# Auth0 (and the emulator) match returnTo against the application's logout URLs only when
# /v2/logout gets the client_id; the demo tenant lists them on the application.
export AUTH0_LOGOUT_CLIENT_ID_ENABLED="${AUTH0_LOGOUT_CLIENT_ID_ENABLED:-true}"
EMULATOR_PORT="${AUTH0_EMULATOR_PORT:-3001}"
# The gateway (issue 15): unless a routes file is configured, /echo goes to a tiny echo service
# (gateway/echo.py) that shows the headers it received, the identity headers included.
ECHO_PORT=""
if [ -z "${GATEWAY_ROUTES_FILE:-}" ]; then
  export GATEWAY_ROUTES_FILE=gateway/examples/routes.json
  export USER_PROPERTIES_TO_PROXY="${USER_PROPERTIES_TO_PROXY:-email,name}"
  ECHO_PORT=9000  # the port gateway/examples/routes.json names
fi
# Auth0's post-change-password trigger: the emulator tells the product to end the user's sessions
# after every password change. One secret per run unless one is configured; both processes read
# it (the emulator's AUTH0EMULATOR_PASSWORD_HOOK_SECRET falls back to it).
if [ -z "${AUTH0_PASSWORD_HOOK_SECRET:-}${AUTH0_POST_LOGIN_HOOK_SECRET:-}" ]; then
  AUTH0_PASSWORD_HOOK_SECRET="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')"
  export AUTH0_PASSWORD_HOOK_SECRET
fi
hook_host="$HTTP_HOST"
case "$hook_host" in 0.0.0.0 | "::" | "[::]") hook_host=127.0.0.1 ;; esac
export AUTH0EMULATOR_PASSWORD_HOOK_URL="${AUTH0EMULATOR_PASSWORD_HOOK_URL:-http://${hook_host}:${HTTP_PORT}/hooks/auth0/post-change-password}"
mkdir -p var

pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

# The identity provider first: the product's default config points at it. Its app is installed
# only on request when DJANGO_DEBUG is off (authgw/settings.py), so ask for it whatever DEBUG says.
emulator_log=var/auth0emulator.log
# --console (issue 16): it is also a Console for the extension at this product; to try the
# Console SSO, also set CONSOLE_URL=http://127.0.0.1:3001 CONSOLE_TENANT_ID=demo-tenant
# CONSOLE_EXTENSION_ID=authgw-extension CONSOLE_EXTENSION_URL=http://127.0.0.1:8080.
AUTH0EMULATOR_ENABLED=true "$PYTHON" manage.py auth0emulator --host 127.0.0.1 --port "$EMULATOR_PORT" \
  --seed auth0emulator/seeds/demo.json --data var/auth0emulator.json \
  --console --console-extension-url "http://${hook_host}:${HTTP_PORT}" >"$emulator_log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "auth0emulator ready on" "$emulator_log" 2>/dev/null && break
  kill -0 "${pids[0]}" 2>/dev/null || { cat "$emulator_log"; exit 1; }
  sleep 0.1
done

if [ -n "$ECHO_PORT" ]; then
  "$PYTHON" -m gateway.echo --host 127.0.0.1 --port "$ECHO_PORT" >var/echo.log 2>&1 &
  pids+=($!)
fi

"$PYTHON" manage.py migrate --no-input -v0
"$PYTHON" manage.py collectstatic --no-input -v0
if "$PYTHON" manage.py help seed_demo >/dev/null 2>&1; then
  "$PYTHON" manage.py seed_demo
fi

echo_line=""
if [ -n "$ECHO_PORT" ]; then
  echo_line="
    proxied:         http://${HTTP_HOST}:${HTTP_PORT}/echo -> echo service on 127.0.0.1:${ECHO_PORT}
                     (sign in first: it shows the identity headers authgw added)"
fi
cat <<MSG

  authgw is running on http://${HTTP_HOST}:${HTTP_PORT}/
    back office:     http://${HTTP_HOST}:${HTTP_PORT}/backoffice/
    sign in:         http://${HTTP_HOST}:${HTTP_PORT}/web-login
    health:          http://${HTTP_HOST}:${HTTP_PORT}/-/healthz
    Auth0 emulator:  http://127.0.0.1:${EMULATOR_PORT}/  (log: ${emulator_log})
    gateway routes:  ${GATEWAY_ROUTES_FILE}${echo_line}

  Demo logins:
    admin  admin@example.com / Admin-Passw0rd!   (group admin)
    user   user@example.com  / User-Passw0rd!    (group user)

  Ctrl-C stops everything.

MSG

bin/entrypoint.sh &
pids+=($!)
wait -n "${pids[@]}"
