"""Test-only settings for a gunicorn subprocess: the product's, with the `/echo` view added."""

from authgw.settings import *  # noqa: F403

ROOT_URLCONF = "tests.e2e.echo_urls"
