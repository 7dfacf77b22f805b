"""Issue 9 item 10: the configuration loaders let only their documented error escape.

`auth.json` and the API-keys file → `acl.errors.PolicyError`; `config.json` →
`auth0client.config.ConfigError`; the emulator seed → `auth0emulator.seed.SeedError`. Anything
else (a KeyError, a RecursionError, a UnicodeError...) would stop start-up with a traceback instead
of naming the file, the JSON path and the reason.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acl.api_keys import load_api_keys
from acl.errors import PolicyError
from acl.policy import Policy, build_policy, load_policy
from auth0client.config import (
    Auth0ServiceConfig,
    ConfigError,
    default_config_document,
    load_service_config,
    parse_service_config,
)
from auth0emulator.seed import DEMO_SEED_PATH, SeedError, load_seed
from tests.fuzz.strategies import HOSTILE_BYTES, JSON_VALUES, ODD_TEXT, encode, mutations_of

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = json.loads((ROOT / "acl" / "default_auth.json").read_text())
SMALL_POLICY = {
    "/": {"ALL": {"authorization": {"expression": "true", "public": True}}},
    "/orders/": {
        "GET": {
            "authorization": {"expression": '"read:orders" in permissions', "public": False},
            "backofficeAuthorization": {
                "expression": "isBackoffice && groups.admin",
                "public": False,
            },
        },
    },
}
CONFIG = default_config_document()
SEED = json.loads(DEMO_SEED_PATH.read_text())
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ROUTE_KEYS = st.text(alphabet="/abc.%2eE;\\-_:", max_size=10) | ODD_TEXT
ENV = {"AUTH0_URL": "http://127.0.0.1:3001", "SECRET": "s3cret", "EMPTY": ""}
_WORKDIR = Path(tempfile.mkdtemp(prefix="authgw-fuzz-"))


def outcome(error: type[Exception], call, *args, **kwargs):
    """(result, None) or (None, the documented error); any other exception fails the test."""
    try:
        return call(*args, **kwargs), None
    except error as exc:
        return None, exc


def nested(depth: int) -> list:
    deep: list = []
    for _ in range(depth - 1):
        deep = [deep]
    return deep


def _write(data: bytes, name: str) -> Path:
    path = _WORKDIR / name
    path.write_bytes(data)
    return path


# --- auth.json ---------------------------------------------------------------------------------


@FUZZ
@given(document=mutations_of(SMALL_POLICY, keys=ROUTE_KEYS) | JSON_VALUES)
def test_auth_json_documents_load_or_raise_policy_error(document):
    policy, error = outcome(PolicyError, build_policy, document, file="auth.json")

    assert isinstance(policy, Policy) or str(error).startswith("auth.json: $")


@FUZZ
@given(document=mutations_of(DEFAULT_POLICY, keys=ROUTE_KEYS))
def test_mutations_of_the_shipped_policy_load_or_raise_policy_error(document):
    outcome(PolicyError, lambda: load_policy(_write(encode(document), "auth.json")))


@FUZZ
@given(data=st.binary(max_size=200))
def test_auth_json_bytes_load_or_raise_policy_error(data):
    outcome(PolicyError, lambda: load_policy(_write(data, "auth.json")))


@pytest.mark.parametrize("data", HOSTILE_BYTES.values(), ids=HOSTILE_BYTES.keys())
def test_hostile_auth_json_files_load_or_raise_policy_error(data):
    policy, error = outcome(PolicyError, load_policy, _write(data, "auth.json"))

    assert isinstance(policy, Policy) or error.file.endswith("auth.json")


@pytest.mark.parametrize("depth", [200, 900, 990])
@pytest.mark.parametrize("where", ["root", "route", "method", "expression"])
def test_deeply_nested_auth_json_values_raise_policy_error(depth, where):
    deep = nested(depth)
    document = {
        "root": deep,
        "route": {"/": deep},
        "method": {"/": {"GET": deep}},
        "expression": {"/": {"GET": {"authorization": {"expression": deep, "public": True}}}},
    }[where]

    with pytest.raises(PolicyError):
        build_policy(document, file="auth.json")


def test_a_missing_auth_json_raises_policy_error():
    with pytest.raises(PolicyError, match="cannot read the file"):
        load_policy(_WORKDIR / "absent.json")


# --- API keys ----------------------------------------------------------------------------------


@FUZZ
@given(document=mutations_of({"partner-key-0123456789": "partner"}) | JSON_VALUES)
def test_api_keys_files_load_or_raise_policy_error(document):
    _, error = outcome(PolicyError, load_api_keys, _write(encode(document), "api-keys.json"))

    # The reason never quotes a key: keys are secrets.
    assert "partner-key" not in str(error)


@pytest.mark.parametrize("data", HOSTILE_BYTES.values(), ids=HOSTILE_BYTES.keys())
def test_hostile_api_keys_files_raise_policy_error(data):
    # None of them is an object of keys of 8 characters or more.
    with pytest.raises(PolicyError):
        load_api_keys(_write(data, "api-keys.json"))


# --- config.json (auth0client) -----------------------------------------------------------------


@FUZZ
@given(
    document=mutations_of(CONFIG, keys=st.sampled_from(["{{AUTH0_URL}}", "{{MISSING}}", "x"]))
    | JSON_VALUES
)
def test_config_json_documents_load_or_raise_config_error(document):
    config, error = outcome(
        ConfigError, parse_service_config, document, source="config.json", lookup=ENV.get
    )

    assert isinstance(config, Auth0ServiceConfig) or str(error).startswith("config.json: $")


@FUZZ
@given(
    value=st.sampled_from(["{{AUTH0_URL}}", "{{MISSING}}", "{{EMPTY}}", "{{", "}}", "{{a b}}"]),
    where=st.sampled_from(["auth0Url", "clientId", "clientSecret", "redirectUrl", "audience"]),
)
def test_config_json_placeholders_fill_or_raise_config_error(value, where):
    document = json.loads(json.dumps(CONFIG))
    document["clients"]["web"][where] = value
    outcome(
        ConfigError, lambda: parse_service_config(document, source="config.json", lookup=ENV.get)
    )


@FUZZ
@given(data=st.text(max_size=200).map(lambda text: text.encode("utf-8", "surrogatepass")))
def test_config_json_bytes_load_or_raise_config_error(data):
    outcome(ConfigError, lambda: load_service_config(_write(data, "config.json"), ENV.get))


@pytest.mark.parametrize("data", HOSTILE_BYTES.values(), ids=HOSTILE_BYTES.keys())
def test_hostile_config_json_files_load_or_raise_config_error(data):
    outcome(ConfigError, lambda: load_service_config(_write(data, "config.json"), ENV.get))


# --- the emulator's seed -----------------------------------------------------------------------


@FUZZ
@given(document=mutations_of(SEED) | JSON_VALUES)
def test_seed_documents_load_or_raise_seed_error(document):
    read = load_seed if isinstance(document, dict) else load_seed_any
    loaded, error = outcome(SeedError, read, document)

    assert loaded == document or str(error).startswith(("<seed>: $", "seed.json: $"))


def load_seed_any(document):
    """A non-object document can only arrive as a file."""
    return load_seed(_write(encode(document), "seed.json"))


@FUZZ
@given(data=st.binary(max_size=200))
def test_seed_bytes_load_or_raise_seed_error(data):
    outcome(SeedError, lambda: load_seed(_write(data, "seed.json")))


@pytest.mark.parametrize("data", HOSTILE_BYTES.values(), ids=HOSTILE_BYTES.keys())
def test_hostile_seed_files_load_or_raise_seed_error(data):
    outcome(SeedError, lambda: load_seed(_write(data, "seed.json")))
