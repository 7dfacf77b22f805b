from __future__ import annotations

import json
from pathlib import Path

import pytest

from acl.config import policy_file_path
from acl.errors import PolicyError
from acl.policy import SCHEMA_FILE, load_policy
from acl.tests.conftest import methods, rule

ACL_DIR = Path(__file__).parents[1]
SEED_SCHEMA = {
    "definitions": {
        "authorization": {
            "type": "object",
            "properties": {"expression": {"type": "string"}, "public": {"type": "boolean"}},
            "required": ["expression", "public"],
        }
    },
    "type": "object",
    "patternProperties": {
        "^/": {
            "type": "object",
            "patternProperties": {
                "^(GET|POST|PATCH|PUT|DELETE|HEAD)$|^(ALL)$": {
                    "type": "object",
                    "properties": {
                        "authorization": {"$ref": "#/definitions/authorization"},
                        "backofficeAuthorization": {"$ref": "#/definitions/authorization"},
                    },
                }
            },
            "additionalProperties": False,
        }
    },
    "additionalProperties": False,
}
# The configuration example of seed 001, verbatim.
SEED_EXAMPLE = {
    "/": {
        "GET": {"authorization": {"expression": "true", "public": True}},
        "POST": {"authorization": {"expression": "false", "public": False}},
        "PUT": {
            "authorization": {"expression": "false", "public": False},
            "backofficeAuthorization": {"expression": "false", "public": False},
        },
    },
    "/myApi": {
        "ALL": {"authorization": {"expression": "groups.admin && isBackoffice", "public": False}}
    },
    "/users": {
        "ALL": {"authorization": {"expression": "groups.admin && isBackoffice", "public": False}}
    },
}


def test_the_shipped_schema_is_exactly_the_seed_schema():
    assert json.loads(SCHEMA_FILE.read_text()) == SEED_SCHEMA


def test_the_seed_example_loads(write_json):
    policy = load_policy(write_json(SEED_EXAMPLE))

    assert sorted(route.key for route in policy.routes.values()) == ["/", "/myApi", "/users"]
    assert policy.warnings == ()


def test_the_shipped_default_policy_loads():
    policy = load_policy(ACL_DIR / "default_auth.json")

    assert "/users" in policy.routes
    assert policy.warnings == ()


def load_error(write_json, data):
    path = write_json(data)
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return str(path), caught.value


@pytest.mark.parametrize(
    ("data", "json_path", "reason"),
    [
        pytest.param(
            {"/x": {"get": {"authorization": rule("true")}}},
            "$['/x']",
            "method key 'get' must be GET, POST, PATCH, PUT, DELETE, HEAD or ALL",
            id="lowercase-method",
        ),
        pytest.param(
            {"/x": {"OPTIONS": {"authorization": rule("true")}}},
            "$['/x']",
            "method key 'OPTIONS' must be GET, POST, PATCH, PUT, DELETE, HEAD or ALL",
            id="options-key",
        ),
        pytest.param(
            {"/x": {"GET": {"authorization": {"expression": "true"}}}},
            "$['/x'].GET.authorization",
            "'public' is a required property",
            id="missing-public",
        ),
        pytest.param(
            {"/x": {"GET": {"backofficeAuthorization": {"public": True}}}},
            "$['/x'].GET.backofficeAuthorization",
            "'expression' is a required property",
            id="missing-expression",
        ),
        pytest.param(
            {"users": methods("true")},
            "$",
            "route key 'users' must start with '/'",
            id="path-without-slash",
        ),
        pytest.param(
            {"/x": {"GET": {"authorization": {"expression": "true", "public": "yes"}}}},
            "$['/x'].GET.authorization.public",
            "'yes' is not of type 'boolean'",
            id="public-not-boolean",
        ),
        pytest.param(
            {"/x": {"GET": {"authorization": {"expression": 1, "public": True}}}},
            "$['/x'].GET.authorization.expression",
            "1 is not of type 'string'",
            id="expression-not-string",
        ),
        pytest.param(["/x"], "$", "['/x'] is not of type 'object'", id="not-an-object"),
        pytest.param({"/x": []}, "$['/x']", "[] is not of type 'object'", id="route-not-object"),
    ],
)
def test_the_schema_rejects(write_json, data, json_path, reason):
    file, error = load_error(write_json, data)

    assert (error.file, error.json_path, error.reason) == (file, json_path, reason)
    assert str(error) == f"{file}: {json_path}: {reason}"


def test_several_schema_errors_report_the_first_and_count_the_rest(write_json):
    _, error = load_error(write_json, {"a": {}, "/b": {"get": {}}})

    assert error.json_path == "$"
    assert error.reason == "route key 'a' must start with '/' (and 1 more)"


def test_a_bad_expression_names_file_json_path_and_column(write_json):
    file, error = load_error(write_json, {"/orders/": {"POST": {
        "authorization": rule("true"),
        "backofficeAuthorization": rule("groups.admin && && isBackoffice"),
    }}})

    assert str(error) == (
        f"{file}: $['/orders/'].POST.backofficeAuthorization.expression: "
        "unexpected '&&' at column 17"
    )


def test_an_unknown_variable_is_a_load_time_error(write_json):
    _, error = load_error(write_json, {"/": methods("user.admin")})

    assert error.reason == (
        "unknown variable 'user' (known: groups, permissions, clientType, isBackoffice) at column 1"
    )


def test_invalid_json_is_reported(write_json):
    _, error = load_error(write_json, '{"/": ')

    assert error.json_path == "$"
    assert error.reason.startswith("not valid JSON (Expecting value: line 1 column 7")


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path / "absent.json")

    missing = tmp_path / "absent.json"
    assert str(caught.value) == f"{missing}: $: cannot read the file (No such file or directory)"


def test_two_keys_that_normalise_to_one_route_are_refused(write_json):
    _, error = load_error(write_json, {"/Admin/": methods("true"), "/admin//": methods("false")})

    assert (error.json_path, error.reason) == (
        "$['/admin//']", "the same route as '/Admin/' once normalised",
    )


def test_unknown_keys_inside_a_method_are_warnings(write_json):
    path = write_json({"/x": {"GET": {
        "authorisation": rule("true"),
        "authorization": {"expression": "true", "public": True, "comment": "hi"},
    }}})

    policy = load_policy(path)

    assert policy.warnings == (
        f"{path}: $['/x'].GET.authorisation: unknown key, ignored",
        f"{path}: $['/x'].GET.authorization.comment: unknown key, ignored",
    )


@pytest.mark.parametrize(
    ("directory", "name", "expected"),
    [
        pytest.param("/configs", "auth", "/configs/auth.json", id="json-added"),
        pytest.param("/configs/", "auth.json", "/configs/auth.json", id="json-kept"),
        pytest.param("./", "test-config.test", "test-config.test", id="other-extension-kept"),
    ],
)
def test_the_file_is_configuration_path_plus_file_name(directory, name, expected):
    assert policy_file_path(directory, name) == Path(expected)
