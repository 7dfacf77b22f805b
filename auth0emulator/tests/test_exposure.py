"""The emulator stays a test tool: loopback only unless told, and no account oracle by timing."""

from __future__ import annotations

import base64
import hashlib
import io
from http import HTTPStatus
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.management import CommandError, call_command

from auth0emulator import passwords
from auth0emulator.app import Emulator, EmulatorOptions
from auth0emulator.management.commands import auth0emulator as command
from auth0emulator.seed import DEMO_SEED_PATH, load_seed
from auth0emulator.tests.helpers import ADMIN, WEB

# --- binding: loopback unless --allow-remote ------------------------------------------------


@pytest.fixture
def served(monkeypatch):
    """Stands in for `serve`: records where the command would bind, and binds nothing."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(command, "serve", lambda host, port, build: calls.append((host, port)))
    return calls


def start(*args: str) -> None:
    # The command class, not its name: the suite runs without the emulator app installed.
    arguments = ("--port", "0", "--data", ":memory:", *args)
    call_command(command.Command(), *arguments, stdout=io.StringIO())


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "emulator.example.com", ""])  # noqa: S104
def test_the_emulator_refuses_a_non_loopback_host_and_names_allow_remote(served, host):
    with pytest.raises(CommandError) as refused:
        start("--host", host)

    assert str(refused.value) == (
        f"--host {host!r} is not a loopback address: the emulator binds only to 127.0.0.0/8, "
        "::1 or localhost. Pass --allow-remote to expose it on another interface deliberately."
    )
    assert served == []


def test_allow_remote_lets_the_emulator_bind_another_interface(served):
    start("--host", "0.0.0.0", "--allow-remote")  # noqa: S104 - `serve` is replaced: no bind

    assert served == [("0.0.0.0", 0)]  # noqa: S104


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_option(served, host):
    start("--host", host)

    assert served == [(host, 0)]


def test_a_negative_brute_force_limit_is_refused(served):
    with pytest.raises(CommandError, match="--brute-force-limit: '-1': must be 0 \\(off\\)"):
        start("--brute-force-limit", "-1")

    assert served == []


# --- password checks cost the same for unknown accounts --------------------------------------


@pytest.fixture
def scrypt_calls(monkeypatch):
    """The (n, r, p) of every scrypt run, counted from now on."""
    real, calls = hashlib.scrypt, []

    def counting(password, *, salt, n, r, p, dklen):
        calls.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, dklen=dklen)

    monkeypatch.setattr(passwords.hashlib, "scrypt", counting)
    return calls


@pytest.fixture(scope="module")
def app():
    """The emulator in this process (no socket): requests go straight to its WSGI handler."""
    options = EmulatorOptions(
        seed=load_seed(DEMO_SEED_PATH), issuer="http://127.0.0.1:3001/", data_path=None
    )
    return Emulator(options)


def password_grant(app, username: str, password: str) -> int:
    body = urlencode({"grant_type": "password", "username": username, "password": password})
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/oauth/token",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": "Basic " + base64.b64encode(":".join(WEB).encode()).decode(),
        "wsgi.input": io.BytesIO(body.encode()),
    }
    setup_testing_defaults(environ)
    status: list[str] = []
    app(environ, lambda line, headers: status.append(line))
    return int(status[0].split()[0])


@pytest.mark.parametrize(
    ("username", "password", "answer"),
    [
        pytest.param(ADMIN[0], ADMIN[1], HTTPStatus.OK, id="known-right-password"),
        pytest.param(ADMIN[0], "nope", HTTPStatus.FORBIDDEN, id="known-wrong-password"),
        pytest.param("ghost@example.com", "nope", HTTPStatus.FORBIDDEN, id="unknown-email"),
    ],
)
def test_every_password_grant_runs_one_scrypt_of_the_same_cost(
    app, scrypt_calls, username, password, answer
):
    assert password_grant(app, username, password) == answer
    assert scrypt_calls == [(2**14, 8, 1)]


def test_a_user_without_a_password_hash_costs_one_scrypt_too(scrypt_calls):
    assert passwords.verify_password("anything", None) is False
    assert passwords.verify_password("anything", "not-a-hash") is False
    assert scrypt_calls == [(2**14, 8, 1), (2**14, 8, 1)]
