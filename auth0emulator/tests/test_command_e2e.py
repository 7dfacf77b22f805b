"""`manage.py auth0emulator`: the exact command line, persistence, key rotation, seed errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from auth0emulator.management.commands.auth0emulator import Command
from auth0emulator.seed import DEMO_SEED_PATH
from auth0emulator.testing import EMULATOR_ENVIRONMENT, MANAGE_PY, demo_seed, start_emulator
from auth0emulator.tests.helpers import ADMIN, WEB, get, post

READY = re.compile(r"^auth0emulator ready on http://127\.0\.0\.1:(\d+)/\n$")
# In-process calls name the command class: with DJANGO_DEBUG off (the test suite) the emulator
# app, and so its `manage.py` command, is installed only on request (AUTH0EMULATOR_ENABLED).


@pytest.mark.e2e
def test_the_documented_command_line_prints_one_ready_line(tmp_path):
    command = [
        sys.executable,
        str(MANAGE_PY),
        "auth0emulator",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--seed",
        str(DEMO_SEED_PATH),
        "--data",
        str(tmp_path / "data.json"),
    ]
    environment = {**os.environ, **EMULATOR_ENVIRONMENT}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        line = process.stdout.readline()
        found = READY.match(line)
        assert found, line
        issuer = f"http://127.0.0.1:{found.group(1)}/"
        meta = get(f"{issuer}.well-known/openid-configuration").json()
        assert meta["issuer"] == issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.e2e
def test_the_store_persists_users_and_keys_across_restarts(tmp_path):
    data = tmp_path / "emulator.json"
    body = {
        "email": "kept@example.com",
        "password": "Str0ng-Passw0rd!",
        "connection": "Username-Password-Authentication",
    }
    with start_emulator(demo_seed(), data_file=data) as first:
        token = first.management_token()
        created = post(
            f"{first.url}/api/v2/users", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == HTTPStatus.CREATED
        kids = get(f"{first.issuer}.well-known/jwks.json").json()
    stored = data.read_text()
    assert "Str0ng-Passw0rd!" not in stored
    assert "Admin-Passw0rd!" not in stored
    assert all(
        u["password_hash"].startswith("scrypt$") for u in json.loads(stored)["users"].values()
    )
    with start_emulator(demo_seed(), data_file=data) as second:
        assert get(f"{second.issuer}.well-known/jwks.json").json() == kids
        login = post(
            f"{second.url}/oauth/token",
            auth=WEB,
            data={
                "grant_type": "password",
                "username": "kept@example.com",
                "password": "Str0ng-Passw0rd!",
            },
        )
        assert login.status_code == HTTPStatus.OK
        users = get(
            f"{second.url}/api/v2/users",
            headers={"Authorization": f"Bearer {second.management_token()}"},
        ).json()
        assert sorted(u["email"] for u in users) == [
            ADMIN[0],
            "kept@example.com",
            "user@example.com",
        ]


def test_rotate_key_on_a_stopped_emulators_data_file(tmp_path, capsys):
    data = tmp_path / "emulator.json"
    call_command(Command(), "rotate-key", "--data", str(data))
    call_command(Command(), "rotate-key", "--data", str(data))
    printed = capsys.readouterr().out.splitlines()
    kids = [key["kid"] for key in json.loads(data.read_text())["keys"]]
    assert len(kids) == 3  # the first call made the initial key, then rotated once
    assert printed[-1] == f"new signing key {kids[0]} in {data}"


def _seed_file(tmp_path: Path, seed: dict) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda s: s["clients"][0].update(callbacks="x"),
            "seed.json: $.clients[0].callbacks: 'x' is not of type 'array'",
            id="schema",
        ),
        pytest.param(
            lambda s: s["users"][1].update(connection="Nope"),
            "seed.json: $.users[1].connection: unknown connection 'Nope'",
            id="reference",
        ),
        pytest.param(
            lambda s: s["users"][0].update(roles=["boss"]),
            "seed.json: $.users[0].roles[0]: unknown role 'boss'",
            id="role",
        ),
        pytest.param(
            lambda s: s.update(faults={}),
            "seed.json: $: Additional properties are not allowed ('faults' was unexpected)",
            id="unknown-key",
        ),
    ],
)
def test_a_bad_seed_stops_the_command_naming_the_json_path(tmp_path, change, message):
    seed = demo_seed()
    change(seed)
    with pytest.raises(CommandError) as caught:
        call_command(Command(), "--seed", str(_seed_file(tmp_path, seed)), "--port", "0")
    assert str(caught.value) == message


def test_bad_faults_and_rate_limit_options_are_refused(tmp_path):
    with pytest.raises(CommandError, match=r"--faults: faults: \$\.tokens: unknown family"):
        call_command(Command(), "--faults", '{"tokens": {}}', "--data", ":memory:")
    with pytest.raises(CommandError, match="--rate-limit 'many': expected N/SECONDS or off"):
        call_command(Command(), "--rate-limit", "many", "--data", ":memory:")


@pytest.mark.e2e
def test_start_emulator_reports_why_the_process_did_not_start():
    seed = demo_seed()
    seed["users"][1]["connection"] = "Nope"
    with pytest.raises(
        RuntimeError, match=r"\$\.users\[1\]\.connection: unknown connection 'Nope'"
    ):
        start_emulator(seed)
