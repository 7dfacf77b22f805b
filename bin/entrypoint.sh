#!/usr/bin/env bash
# The one entrypoint of the product, used by the container and by `make run`:
# with DJANGO_DEBUG off, refuse to start unless `manage.py check --deploy` finds no error (the demo
# tenant's secrets, a test resolver, a bad setting); then apply migrations, then serve with
# gunicorn (which drains on SIGTERM, see gunicorn.conf.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

# DJANGO_DEBUG as authgw/env.py reads it; anything else (unset, false, a typo) means production.
debug_on() {
  local value
  value="$(printf '%s' "${DJANGO_DEBUG:-}" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')"
  case "$value" in
    1 | true | yes | on) return 0 ;;
    *) return 1 ;;
  esac
}

if ! debug_on; then
  if ! "$PYTHON" manage.py check --deploy --fail-level ERROR; then
    echo "authgw: refusing to start: \`manage.py check --deploy\` reported the errors above" \
      "(DJANGO_DEBUG is off); fix the configuration they name." >&2
    exit 1
  fi
fi

"$PYTHON" manage.py migrate --no-input -v0
exec "$PYTHON" -m gunicorn --config gunicorn.conf.py
