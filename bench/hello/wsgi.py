"""WSGI entry point of the bench's bare Django project (gunicorn bench.hello.wsgi:application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.hello.settings"
application = get_wsgi_application()
