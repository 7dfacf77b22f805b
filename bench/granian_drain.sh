#!/usr/bin/env bash
# A prototype, for bench/drain_check.py only: gunicorn.conf.py's drain in front of Granian, which
# has none of its own (on SIGTERM it refuses new connections at once; see bench/README.md).
# Runs the command given (granian ...) with AUTHGW_DRAIN_FLAG_FILE set; on SIGTERM creates that
# flag (so /-/ready answers 503), keeps serving for DELAY_SHUTDOWN_SECONDS (10), then passes the
# SIGTERM on and waits for the command to finish its requests in flight.
#
#   bench/granian_drain.sh .venv/bin/python -m granian --interface wsgi ... authgw.wsgi:application
set -euo pipefail
export AUTHGW_DRAIN_FLAG_FILE="${TMPDIR:-/tmp}/authgw-draining-$$"
rm -f "$AUTHGW_DRAIN_FLAG_FILE"
trap 'rm -f "$AUTHGW_DRAIN_FLAG_FILE"' EXIT
"$@" &
server=$!
drain() {
  echo draining >"$AUTHGW_DRAIN_FLAG_FILE"
  sleep "${DELAY_SHUTDOWN_SECONDS:-10}"
  kill -TERM "$server"
}
trap drain TERM INT
status=0
wait "$server" || status=$?
# A trapped signal ends the first wait early (status > 128): wait for the server itself.
if kill -0 "$server" 2>/dev/null; then
  status=0
  wait "$server" || status=$?
fi
exit "$status"
