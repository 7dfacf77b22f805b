"""Settings of the bench's bare Django project: no apps, no middleware, no database, DEBUG off."""

SECRET_KEY = "bench-hello-not-a-secret"  # noqa: S105 - a throw-away bench process on loopback
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.hello.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}
USE_TZ = True
WSGI_APPLICATION = "bench.hello.wsgi.application"
