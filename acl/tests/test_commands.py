from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from acl.tests.conftest import methods, rule

ACL_DIR = Path(__file__).parents[1]
REPO = ACL_DIR.parent
DEFAULT_POLICY = ACL_DIR / "default_auth.json"
DEFAULT_CASES = ACL_DIR / "default_auth.cases.json"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("acl", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- acl check ----------------------------------------------------------------------------------


def test_check_accepts_the_configured_default_policy():
    out, _ = run("check")

    assert out == f"{DEFAULT_POLICY}: OK, 21 routes\n"


def test_check_reports_file_json_path_and_reason(write_json):
    path = write_json({"/x": {"GET": {"authorization": rule("groups.admin &&")}}})

    with pytest.raises(CommandError) as caught:
        run("check", path)

    assert str(caught.value) == (
        f"{path}: $['/x'].GET.authorization.expression: unexpected end of expression at column 16"
    )


def test_check_prints_warnings_for_ignored_keys(write_json):
    path = write_json({"/x": {"GET": {"authorization": rule("true"), "note": "x"}}})

    out, err = run("check", path)

    assert out == f"{path}: OK, 1 routes\n"
    assert err == f"warning: {path}: $['/x'].GET.note: unknown key, ignored\n"


def test_check_validates_an_api_keys_file(write_json):
    keys = write_json({"short": "partner"}, name="keys.json")

    with pytest.raises(CommandError) as caught:
        run("check", DEFAULT_POLICY, "--api-keys", keys)

    assert str(caught.value) == f"{keys}: $: every API key must be at least 8 characters long"
    assert "short" not in str(caught.value)


def test_check_exits_non_zero_on_a_bad_file(write_json, tmp_path):
    path = write_json({"users": methods("true")})
    env = {**os.environ, "DJANGO_SECRET_KEY": "x", "AUTHGW_VAR_DIR": str(tmp_path)}

    result = subprocess.run(
        [sys.executable, "manage.py", "acl", "check", str(path)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"CommandError: {path}: $: route key 'users' must start with '/'"
    )


# --- acl explain --------------------------------------------------------------------------------


def test_explain_an_admin_on_the_default_policy():
    out, _ = run("explain", "DELETE", "https://gw.example.com/users/auth0%7C42?x=1",
                 "--groups", "admin,ops", "--permissions", "write:orders")

    assert out.splitlines() == [
        "request:    DELETE /users/auth0|42 (frontend)",
        "caller:     user 'explain-user', groups admin,ops, permissions write:orders, clientType -",
        "matched:    key '/users/', method ALL",
        "rule:       authorization (public: false)",
        "expression: groups.admin",
        "  groups.admin = true",
        "decision:   200 OK (allowed)",
    ]


def test_explain_an_anonymous_caller_on_the_default_policy():
    out, _ = run("explain", "get", "/backoffice/", "--anonymous", "--backoffice")

    assert out.splitlines() == [
        "request:    GET /backoffice/ (backoffice)",
        "caller:     anonymous, clientType -",
        "matched:    key '/backoffice/', method ALL",
        "rule:       authorization (public: false)",
        "expression: true",
        "  true = true",
        "decision:   401 Unauthorized (not public and no user)",
    ]


def test_explain_shows_the_value_of_each_sub_expression(write_json):
    path = write_json({"/orders": {"POST": {
        "authorization": rule("groups.admin || (\"write:orders\" in permissions && !isBackoffice)"),
        "backofficeAuthorization": rule('clientType == "ops"'),
    }}})

    out, _ = run("explain", "POST", "/orders", "--file", path, "--groups", "user",
                 "--permissions", "write:orders")

    assert out.splitlines()[3:] == [
        "rule:       authorization (public: false)",
        'expression: groups.admin || ("write:orders" in permissions && !isBackoffice)',
        '  groups.admin || "write:orders" in permissions && !isBackoffice = true',
        "    groups.admin = false",
        '    "write:orders" in permissions && !isBackoffice = true',
        '      "write:orders" in permissions = true',
        "      !isBackoffice = true",
        "        isBackoffice = false",
        "decision:   200 OK (allowed)",
    ]


def test_explain_says_when_nothing_matches(write_json):
    path = write_json({"/only": {"GET": {"authorization": rule("true")}}})

    nothing, _ = run("explain", "GET", "/other", "--file", path)
    no_method, _ = run("explain", "PUT", "/only", "--file", path)

    assert nothing.splitlines()[2:] == [
        "matched:    nothing (no key covers /other)",
        "decision:   401 Unauthorized (no rule for this path)",
    ]
    assert no_method.splitlines()[2:] == [
        "matched:    key '/only', but no rule for PUT",
        "decision:   401 Unauthorized (no rule for this method)",
    ]


# --- acl test -----------------------------------------------------------------------------------


def test_the_shipped_cases_pass_on_the_shipped_default_policy():
    out, _ = run("test", DEFAULT_CASES)

    cases = json.loads(DEFAULT_CASES.read_text())["cases"]
    assert out.splitlines()[-1] == f"{len(cases)} passed, 0 failed"
    assert all(line.startswith("PASS  ") for line in out.splitlines()[:-1])


def test_a_failing_case_fails_the_command(write_json):
    cases = write_json({"cases": [
        {"name": "admins list users", "method": "GET", "url": "/users",
         "user": {"groups": ["admin"]}, "expect": 200},
        {"name": "users may not", "method": "GET", "url": "/users",
         "user": {"groups": ["user"]}, "expect": 200},
    ]}, name="cases.json")
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("acl", "test", str(cases), stdout=out)

    assert out.getvalue().splitlines() == [
        "PASS  admins list users: GET /users -> 200",
        "FAIL  users may not: GET /users expected 200, got 403 Forbidden "
        "(expression false for this user); matched '/users'",
        "1 passed, 1 failed",
    ]
    assert str(caught.value) == f"{cases}: 1 passed, 1 failed"


def test_a_case_file_is_schema_checked(write_json):
    cases = write_json({"cases": [{"method": "GET", "url": "/", "expect": 302}]}, name="c.json")

    with pytest.raises(CommandError) as caught:
        run("test", cases)

    assert str(caught.value) == f"{cases}: $.cases[0].expect: 302 is not one of [200, 401, 403]"


def test_cases_can_use_client_type_and_backoffice(write_json):
    policy = write_json({"/p": {"GET": {
        "authorization": rule('clientType == "partner"', public=True),
        "backofficeAuthorization": rule("isBackoffice && groups.admin"),
    }}})
    cases = write_json({"cases": [
        {"method": "GET", "url": "/p", "clientType": "partner", "expect": 200},
        {"method": "GET", "url": "/p", "expect": 401},
        {"method": "GET", "url": "/p", "backoffice": True, "user": {"groups": ["admin"]},
         "expect": 200},
        {"method": "GET", "url": "/p", "backoffice": True, "user": {}, "expect": 403},
    ]}, name="cases.json")

    out, _ = run("test", cases, "--file", policy)

    assert out.splitlines()[-1] == "4 passed, 0 failed"
