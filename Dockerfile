# One container: the gateway served by gunicorn. Migrations run at start (bin/entrypoint.sh).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HTTP_PORT=8080 \
    AUTHGW_VAR_DIR=/app/var

WORKDIR /app
RUN groupadd --system authgw && useradd --system --gid authgw --home-dir /app authgw

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings, not secrets: a throwaway key for this build step only.
RUN DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input -v0 \
    && mkdir -p /app/var && chown -R authgw:authgw /app/var

USER authgw
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('HTTP_PORT', '8080')}/-/healthz\", timeout=2)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["bin/entrypoint.sh"]
