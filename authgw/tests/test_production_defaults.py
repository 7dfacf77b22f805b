"""Production-safe by default (issue 13 item 3).

With DJANGO_DEBUG off the entrypoint refuses to start unless `manage.py check --deploy` finds no
error; the HTTPS settings come from the environment; the emulator app is left out; and the Docker
build context (tests and benches left out by .dockerignore) still starts.

The entrypoint runs for real, with PYTHON pointing at a stand-in that records `-m gunicorn` (and
imports the WSGI application, as gunicorn would) instead of serving.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authgw import settings as authgw_settings
from authgw.tests.fresh_process import REPO, environment_without, last_json_line, run_python
from authgw.tests.tenant_config import write_tenant_config

GUNICORN_ARGS = "-m gunicorn --config gunicorn.conf.py"
REFUSED = "authgw: refusing to start: `manage.py check --deploy` reported the errors above"
DEMO_SECRET = "(auth0client.E001) <default config: the local auth0emulator>: "
DEMO_SECRET += "clients.web.clientSecret is the demo tenant's secret"
# The caller's configuration must not leak into the processes these tests start.
_FOREIGN = ("DJANGO_", "DATABASE_", "REDIS_", "SECURE_", "SERVICE_CONFIG", "AUTH0", "ACL_")
_FOREIGN += ("CONFIGURATION_", "PYTHON", "HTTP_PORT", "LOG_LEVEL")

STAND_IN = """#!/usr/bin/env bash
# Stands in for python: `-m gunicorn` is recorded, then the WSGI app imported as gunicorn would.
if [ "${{1:-}}" = "-m" ] && [ "${{2:-}}" = "gunicorn" ]; then
  printf '%s' "$*" > {started}
  exec {python} -c 'import authgw.wsgi'
fi
exec {python} "$@"
"""


def _environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    environment = environment_without(
        _FOREIGN,
        DJANGO_SECRET_KEY="a-long-random-production-secret-key-0123456789abcdefghijklmn",
        AUTHGW_VAR_DIR=str(tmp_path / "var"),
    )
    return environment | overrides


def _stand_in_python(tmp_path: Path) -> tuple[Path, Path]:
    """(the stand-in's path, the file it writes when gunicorn would have started)."""
    started = tmp_path / "gunicorn-started"
    script = tmp_path / "python"
    script.write_text(STAND_IN.format(started=started, python=sys.executable))
    script.chmod(0o755)
    return script, started


def _run_entrypoint(
    tmp_path: Path, root: Path = REPO, **overrides: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    python, started = _stand_in_python(tmp_path)
    done = subprocess.run(
        [str(root / "bin" / "entrypoint.sh")],
        cwd=tmp_path,
        env=_environment(tmp_path, PYTHON=str(python), **overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, started


# --- the entrypoint runs `check --deploy` when DJANGO_DEBUG is off -----------------------------


@pytest.mark.parametrize("debug", [None, "false"], ids=["debug-unset", "debug-false"])
def test_the_entrypoint_refuses_the_demo_secrets_when_debug_is_off(tmp_path, debug):
    overrides = {} if debug is None else {"DJANGO_DEBUG": debug}

    done, started = _run_entrypoint(tmp_path, **overrides)

    assert done.returncode == 1
    assert DEMO_SECRET in done.stderr
    assert REFUSED in done.stderr
    assert not started.exists()  # gunicorn never started
    assert not (tmp_path / "var" / "authgw.sqlite3").exists()  # nor did the migrations run


def test_the_entrypoint_with_a_tenant_config_passes_the_check_and_starts_gunicorn(tmp_path):
    config = write_tenant_config(tmp_path / "tenant")

    done, started = _run_entrypoint(tmp_path, DJANGO_DEBUG="false", SERVICE_CONFIG_PATH=str(config))

    assert done.returncode == 0, done.stderr
    assert "(auth0client.E001)" not in done.stderr
    assert REFUSED not in done.stderr
    assert (tmp_path / "var" / "authgw.sqlite3").exists()  # migrated
    assert started.read_text() == GUNICORN_ARGS


def test_with_debug_on_the_entrypoint_serves_the_demo_tenant_without_the_check(tmp_path):
    done, started = _run_entrypoint(tmp_path, DJANGO_DEBUG="true")

    assert done.returncode == 0, done.stderr
    assert "check --deploy" not in done.stderr
    assert started.read_text() == GUNICORN_ARGS


# --- the Docker image: no tests, no benches, and the product still starts ---------------------


def _dockerignore_patterns() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> bool:
    parts = relative.split("/")
    for pattern in patterns:
        if pattern.startswith("**/"):
            tails = ("/".join(parts[index:]) for index in range(len(parts)))
            if any(fnmatch.fnmatchcase(tail, pattern[3:]) for tail in tails):
                return True
        elif fnmatch.fnmatchcase(relative, pattern):
            return True
    return False


def _docker_context(target: Path) -> Path:
    """The repository as `COPY . .` sees it: .dockerignore applied (directories pruned)."""
    patterns = _dockerignore_patterns()
    for directory, subdirectories, files in os.walk(REPO):
        base = Path(directory).relative_to(REPO)
        kept = [name for name in subdirectories if not _ignored((base / name).as_posix(), patterns)]
        subdirectories[:] = [name for name in kept if name != "node_modules"]
        for name in files:
            if not _ignored((base / name).as_posix(), patterns):
                (target / base).mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / base / name, target / base / name)
    return target


@pytest.mark.e2e
def test_the_docker_context_has_no_tests_or_benches_and_the_product_starts_without_them(
    tmp_path,
):
    context = _docker_context(tmp_path / "context")
    config = write_tenant_config(tmp_path / "tenant")

    done, started = _run_entrypoint(
        tmp_path, root=context, DJANGO_DEBUG="false", SERVICE_CONFIG_PATH=str(config)
    )

    assert sorted(path.as_posix() for path in context.glob("**/tests")) == []
    assert not (context / "bench").exists()
    assert not (context / "conftest.py").exists()
    assert (context / "manage.py").exists()
    assert done.returncode == 0, done.stderr
    assert started.read_text() == GUNICORN_ARGS  # and `import authgw.wsgi` succeeded


# --- HTTPS settings from the environment, and the emulator app ---------------------------------

SNAPSHOT = """
import json, django
django.setup()
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
print(json.dumps({
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "emulator_app": apps.is_installed("auth0emulator"),
    "emulator_command": "auth0emulator" in get_commands(),
}))
"""


def _start_django(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    """A fresh process: settings read from this environment, `django.setup()`, a snapshot."""
    environment = _environment(tmp_path, DJANGO_SETTINGS_MODULE="authgw.settings", **overrides)
    return run_python("-c", SNAPSHOT, environment=environment)


def _snapshot(tmp_path: Path, **overrides: str) -> dict[str, object]:
    return last_json_line(_start_django(tmp_path, **overrides))


def test_https_settings_are_off_by_default_and_the_emulator_app_is_not_installed(tmp_path):
    snapshot = _snapshot(tmp_path)

    assert snapshot == {
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_PROXY_SSL_HEADER": None,
        "emulator_app": False,
        "emulator_command": False,
    }


def test_https_settings_come_from_the_environment(tmp_path):
    snapshot = _snapshot(
        tmp_path,
        SECURE_HSTS_SECONDS="31536000",
        SECURE_SSL_REDIRECT="true",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto,https",
    )

    assert (
        snapshot["SECURE_HSTS_SECONDS"],
        snapshot["SECURE_SSL_REDIRECT"],
        snapshot["SECURE_PROXY_SSL_HEADER"],
    ) == (31536000, True, ["HTTP_X_FORWARDED_PROTO", "https"])


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        pytest.param("SECURE_HSTS_SECONDS", "a year", "expected an integer", id="hsts-word"),
        pytest.param("SECURE_HSTS_SECONDS", "-1", "expected an integer >= 0", id="hsts-negative"),
        pytest.param("SECURE_SSL_REDIRECT", "sometimes", "expected true or false", id="redirect"),
        *(
            pytest.param(
                "SECURE_PROXY_SSL_HEADER",
                value,
                "expected HEADER,VALUE (e.g. X-Forwarded-Proto,https)",
                id=f"proxy-header-{label}",
            )
            for label, value in (
                ("no-value", "X-Forwarded-Proto"),
                ("empty-value", "X-Forwarded-Proto,"),
                ("no-name", ",https"),
                ("three-parts", "X-Forwarded-Proto,https,http"),
                ("space-in-name", "X Forwarded Proto,https"),
                ("meta-key", "HTTP_X_FORWARDED_PROTO,https"),
            )
        ),
    ],
)
def test_a_bad_https_setting_stops_start_up_naming_the_variable(tmp_path, variable, value, reason):
    done = _start_django(tmp_path, **{variable: value})

    assert done.returncode != 0
    assert f"{variable}={value!r}: {reason}" in done.stderr


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("X-Forwarded-Proto,https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("x-forwarded-proto , https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("X-Forwarded-Ssl,on", ("HTTP_X_FORWARDED_SSL", "on")),
        (None, None),
    ],
)
def test_the_proxy_ssl_header_becomes_django_s_meta_key_and_value(raw, parsed):
    assert authgw_settings._proxy_ssl_header(raw) == parsed


@pytest.mark.parametrize(
    ("overrides", "installed"),
    [
        pytest.param({"AUTH0EMULATOR_ENABLED": "true"}, True, id="enabled"),
        pytest.param({"DJANGO_DEBUG": "true"}, True, id="debug"),
        pytest.param(
            {"DJANGO_DEBUG": "true", "AUTH0EMULATOR_ENABLED": "false"}, False, id="debug-but-off"
        ),
        pytest.param({"AUTH0EMULATOR_ENABLED": "false"}, False, id="off"),
    ],
)
def test_the_emulator_app_and_command_exist_only_when_asked_for(tmp_path, overrides, installed):
    snapshot = _snapshot(tmp_path, **overrides)

    assert (snapshot["emulator_app"], snapshot["emulator_command"]) == (installed, installed)
