"""The commands against a fresh emulator over real sockets (seed_demo, seed_users, reconcile)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from auth0client import management
from usermanager import services
from usermanager.models import User
from usermanager.tests.conftest import TUTORIAL_SCHEMA, emulator_management_client

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def groups(db):
    services.ums_configuration_create(
        data={"userGroup": "customer", "label": "Customers", "crudSchema": TUTORIAL_SCHEMA}
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seed_demo_seed_users_and_reconcile_users_against_auth0(real_auth0, tmp_path, groups):
    assert run("seed_demo") == ("demo users: admin@example.com linked, user@example.com linked\n")
    rows = [
        {"email": f"seed{n}@example.com", "name": f"Seed {n}", "userGroup": "customer"}
        for n in range(5)
    ]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(rows))

    first = run("seed_users", str(path), "--workers", "1")
    second = run("seed_users", str(path), "--workers", "1")

    assert first.endswith(": 5 created, 0 linked, 0 updated, 0 unchanged, 0 failed\n")
    assert second.endswith(": 0 created, 0 linked, 0 updated, 5 unchanged, 0 failed\n")
    assert all(len(real_auth0.by_email(row["email"])) == 1 for row in rows)

    # Drift made behind the product's back, straight in Auth0.
    seeded = User.objects.get(email="seed0@example.com")
    real_auth0.patch(seeded.auth_user_id, {"blocked": True, "app_metadata": {"groups": ["x"]}})
    real_auth0.delete(User.objects.get(email="seed1@example.com").auth_user_id)
    with pytest.raises(CommandError, match="3 drifts remain"):
        run("reconcile_users")

    fixed = run("reconcile_users", "--fix")

    assert fixed.splitlines()[-1] == "3 drifts found, 0 remaining."
    assert run("reconcile_users").splitlines()[-1] == "0 drifts found, 0 remaining."
    remote = real_auth0.user(seeded.auth_user_id)
    assert (remote.get("blocked", False), remote["app_metadata"]["groups"]) == (False, ["customer"])


@pytest.fixture
def unhurried_auth0(real_auth0, auth0_server, monkeypatch, settings):
    """No fault is armed: 24 parallel creates (the emulator hashes each password) on a busy CI
    machine may take longer than the fault tests' 0.4 s, which would fail a row, not the test.
    So the client waits as the product's does (AUTH0_TIMEOUT_SECONDS)."""
    client = emulator_management_client(auth0_server, timeout_s=settings.AUTH0_TIMEOUT_SECONDS)
    monkeypatch.setattr(management, "get_management_client", lambda: client)
    return real_auth0


@pytest.mark.postgres
def test_seed_users_in_parallel_creates_each_user_once(unhurried_auth0, tmp_path, groups):
    rows = [
        {"email": f"parallel{n}@example.com", "name": f"P {n}", "userGroup": "customer"}
        for n in range(24)
    ]
    path = tmp_path / "users.json"
    path.write_text(json.dumps(rows))

    first = run("seed_users", str(path), "--workers", "4")
    second = run("seed_users", str(path), "--workers", "4")

    assert first.endswith(": 24 created, 0 linked, 0 updated, 0 unchanged, 0 failed\n")
    assert second.endswith(": 0 created, 0 linked, 0 updated, 24 unchanged, 0 failed\n")
    assert User.objects.count() == 24
    assert all(len(unhurried_auth0.by_email(row["email"])) == 1 for row in rows)
