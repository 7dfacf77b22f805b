"""gunicorn.conf.py reads what the Django settings read, with the same readers and LOGGING."""

from __future__ import annotations

import subprocess

import pytest

from authgw.logging import logging_config
from authgw.tests.fresh_process import environment_without, run_python

_FOREIGN = ("HTTP_", "GUNICORN_", "LOG_LEVEL", "DELAY_SHUTDOWN_SECONDS")


def _gunicorn(*arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """`gunicorn -c gunicorn.conf.py <arguments>` with these variables; it serves nothing."""
    command = ("-m", "gunicorn", "-c", "gunicorn.conf.py", *arguments)
    return run_python(*command, environment=environment_without(_FOREIGN, **variables))


def _printed_config(**variables: str) -> dict[str, str]:
    done = _gunicorn("--print-config", **variables)
    assert done.returncode == 0, done.stderr
    pairs = (line.partition("=") for line in done.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, _, value in pairs}


def test_gunicorn_binds_and_sizes_itself_from_the_environment():
    printed = _printed_config(
        HTTP_HOST="127.0.0.1", HTTP_PORT="9090", GUNICORN_WORKERS="3", GUNICORN_THREADS="4"
    )

    assert (printed["bind"], printed["workers"], printed["threads"]) == (
        "['127.0.0.1:9090']",
        "3",
        "4",
    )


def test_gunicorn_defaults_to_every_interface_on_port_8080():
    printed = _printed_config()

    assert (printed["bind"], printed["workers"], printed["threads"]) == (
        "['0.0.0.0:8080']",
        "2",
        "8",
    )


def test_gunicorn_logs_like_django_at_the_configured_level():
    printed = _printed_config(LOG_LEVEL="warn")

    assert printed["logconfig_dict"] == repr(logging_config("warn"))


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        pytest.param("HTTP_PORT", "eighty", "expected an integer", id="port-word"),
        pytest.param("HTTP_PORT", "0", "expected an integer >= 1", id="port-zero"),
        pytest.param("GUNICORN_WORKERS", "many", "expected an integer", id="workers"),
        pytest.param("GUNICORN_THREADS", "0", "expected an integer >= 1", id="threads"),
        pytest.param("DELAY_SHUTDOWN_SECONDS", "-1", "expected an integer >= 0", id="delay"),
        pytest.param(
            "LOG_LEVEL", "verbose", "expected one of trace|debug|info|warn|error|fatal", id="level"
        ),
    ],
)
def test_a_bad_server_variable_stops_gunicorn_naming_it(variable, value, reason):
    done = _gunicorn("--check-config", **{variable: value})

    assert done.returncode != 0
    assert f"{variable}={value!r}: {reason}" in done.stderr
