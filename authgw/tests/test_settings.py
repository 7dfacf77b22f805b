"""Each app reads its variables once (its config.py's `from_env`); settings.py assembles them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from auth0client import config as auth0_config
from auth0emulator import config as emulator_config
from authgw.tests.fresh_process import environment_without, last_json_line, run_python
from usermanager import config as usermanager_config

# Imports the settings with every read of the environment counted.
COUNT_READS = """
import collections, json
from authgw import env
reads = collections.Counter()
read = env._raw
def counting(name):
    reads[name] += 1
    return read(name)
env._raw = counting
from authgw import settings
print(json.dumps({
    "read_twice": sorted(name for name, count in reads.items() if count > 1),
    "acl_userinfo_cache_s": settings.ACL.userinfo_cache_seconds,
    "sessions_userinfo_cache_s": settings.AUTH0_SESSIONS.userinfo_cache_s,
    "session_idle_s": settings.AUTH0_SESSIONS.idle_s,
}))
"""


def _settings_in_a_fresh_process(tmp_path: Path, **variables: str) -> dict[str, object]:
    environment = environment_without(
        ("DJANGO_", "SESSION_", "USERINFO_", "AUTH0"),
        DJANGO_SECRET_KEY="x",
        AUTHGW_VAR_DIR=str(tmp_path),
    )
    return last_json_line(run_python("-c", COUNT_READS, environment=environment | variables))


def test_building_the_settings_reads_each_variable_once(tmp_path):
    # Each of these was read twice before: USERINFO_CACHE_SECONDS by the acl and by the sessions,
    # SESSION_DURATION_SECONDS as itself and as SESSION_IDLE_SECONDS's default.
    variables = {"USERINFO_CACHE_SECONDS": "3", "SESSION_DURATION_SECONDS": "120"}
    snapshot = _settings_in_a_fresh_process(tmp_path, **variables, AUTH0_POST_LOGIN_HOOK_SECRET="x")

    assert snapshot == {
        "read_twice": [],
        "acl_userinfo_cache_s": 3,
        "sessions_userinfo_cache_s": 3,
        "session_idle_s": 120,
    }


def test_the_session_idle_time_defaults_to_the_session_duration(monkeypatch):
    monkeypatch.setenv("SESSION_DURATION_SECONDS", "120")
    monkeypatch.delenv("SESSION_IDLE_SECONDS", raising=False)

    sessions = auth0_config.sessions_from_env(userinfo_cache_s=10)

    assert (sessions.duration_s, sessions.idle_s) == (120, 120)


@pytest.mark.parametrize("variable", ["SESSION_DURATION_SECONDS", "SESSION_IDLE_SECONDS"])
def test_a_session_time_under_a_minute_stops_start_up_naming_the_variable(monkeypatch, variable):
    monkeypatch.setenv(variable, "30")

    with pytest.raises(ImproperlyConfigured, match=f"^{variable}='30': expected an integer >= 60$"):
        auth0_config.sessions_from_env(userinfo_cache_s=10)


# AUTH0EMULATOR_PASSWORD_HOOK_SECRET, AUTH0_PASSWORD_HOOK_SECRET,
# AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET, AUTH0_POST_LOGIN_HOOK_SECRET: the first one set wins.
HOOK_SECRETS = (
    "AUTH0EMULATOR_PASSWORD_HOOK_SECRET",
    "AUTH0_PASSWORD_HOOK_SECRET",
    "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET",
    "AUTH0_POST_LOGIN_HOOK_SECRET",
)


@pytest.mark.parametrize(
    ("configured", "product", "emulator"),
    [
        pytest.param({}, ("", ""), ("", ""), id="none"),
        pytest.param({"AUTH0_POST_LOGIN_HOOK_SECRET": "pl"}, ("pl", "pl"), ("pl", "pl"), id="pl"),
        pytest.param(
            {"AUTH0_POST_LOGIN_HOOK_SECRET": "pl", "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET": "epl"},
            ("pl", "pl"),
            ("epl", "epl"),
            id="emulator-post-login",
        ),
        pytest.param(
            {"AUTH0_PASSWORD_HOOK_SECRET": "pw", "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET": "epl"},
            ("", "pw"),
            ("epl", "pw"),
            id="product-password",
        ),
        pytest.param(
            {"AUTH0EMULATOR_PASSWORD_HOOK_SECRET": "epw", "AUTH0_POST_LOGIN_HOOK_SECRET": "pl"},
            ("pl", "pl"),
            ("pl", "epw"),
            id="emulator-password",
        ),
    ],
)
def test_hook_secrets_fall_back_in_order(monkeypatch, tmp_path, configured, product, emulator):
    """(post-login, password) secrets: the product's hooks, then the emulator's defaults."""
    for name in HOOK_SECRETS:
        monkeypatch.delenv(name, raising=False)
    for name, value in configured.items():
        monkeypatch.setenv(name, value)

    secrets = usermanager_config.hook_secrets_from_env()
    usermanager = usermanager_config.from_env(hook_secrets=secrets)
    emulated = emulator_config.from_env(var_dir=tmp_path, product_hook_secrets=secrets)

    assert (usermanager.post_login_hook_secret, usermanager.password_hook_secret) == product
    assert (emulated.post_login_hook_secret, emulated.password_hook_secret) == emulator
