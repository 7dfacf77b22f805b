#!/usr/bin/env bash
# The one entrypoint of the product, used by the container and by `make run`:
# apply migrations, then serve with gunicorn (which drains on SIGTERM, see gunicorn.conf.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"

"$PYTHON" manage.py migrate --no-input -v0
exec "$PYTHON" -m gunicorn --config gunicorn.conf.py
