"""seed_users, reconcile_users and seed_demo, against the fake Management API."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from usermanager import services
from usermanager.models import UMSConfiguration, User

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def users_file(tmp_path):
    def write(rows, name="users.json"):
        path = tmp_path / name
        path.write_text(rows if isinstance(rows, str) else json.dumps(rows))
        return str(path)

    return write


ROWS = [
    {"email": "a@example.com", "name": "A", "userGroup": "customer", "password": "A-Passw0rd!x"},
    {"email": "b@example.com", "name": "B", "userGroup": "customer", "plan": "gold"},
]


# --- seed_users -------------------------------------------------------------------------


def test_seed_users_creates_then_changes_nothing_on_a_second_run(auth0, group, users_file):
    path = users_file(ROWS)

    first, progress = run("seed_users", path, "--workers", "1")
    second, _ = run("seed_users", path, "--workers", "1")

    assert "2 rows in" in first
    assert first.endswith(": 2 created, 0 linked, 0 updated, 0 unchanged, 0 failed\n")
    assert second.endswith(": 0 created, 0 linked, 0 updated, 2 unchanged, 0 failed\n")
    assert "2/2 (100%)" in progress
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
    ]
    assert len(auth0.users) == 2
    assert auth0.passwords[User.objects.get(email="a@example.com").auth_user_id] == "A-Passw0rd!x"


def test_seed_users_updates_what_differs(auth0, group, users_file):
    run("seed_users", users_file(ROWS), "--workers", "1")
    changed = [ROWS[0], {**ROWS[1], "name": "Bee", "plan": "silver"}]

    out, _ = run("seed_users", users_file(changed), "--workers", "1")

    assert out.endswith(": 0 created, 0 linked, 1 updated, 1 unchanged, 0 failed\n")
    bee = User.objects.get(email="b@example.com")
    assert (bee.name, bee.extra) == ("Bee", {"plan": "silver"})
    assert auth0.users[bee.auth_user_id].name == "Bee"


def test_seed_users_links_an_auth0_user_that_already_exists(auth0, group, users_file):
    remote = auth0.add_user(email="a@example.com", name="A")

    out, _ = run("seed_users", users_file(ROWS[:1]), "--workers", "1")

    assert out.endswith(": 0 created, 1 linked, 0 updated, 0 unchanged, 0 failed\n")
    assert User.objects.get().auth_user_id == remote.user_id
    assert len(auth0.users) == 1


def test_seed_users_dry_run_writes_nothing(auth0, group, users_file):
    out, _ = run("seed_users", users_file(ROWS), "--dry-run", "--workers", "1")

    assert out.endswith(
        ": 2 created, 0 linked, 0 updated, 0 unchanged, 0 failed (dry run: nothing was written)\n"
    )
    assert not User.objects.exists()
    assert auth0.users == {}


def test_seed_users_reads_csv(auth0, group, users_file):
    csv_text = "email,name,userGroup,blocked,customerId\nc@example.com,C,customer,true,\n"

    run("seed_users", users_file(csv_text, "users.csv"), "--workers", "1")

    user = User.objects.get()
    assert (user.email, user.blocked, user.customer_id) == ("c@example.com", True, "")
    assert auth0.users[user.auth_user_id].blocked is True


def test_seed_users_lists_the_failed_rows_and_exits_non_zero(auth0, group, users_file):
    rows = [
        ROWS[0],
        {"email": "x@example.com", "userGroup": "ghosts"},
        "oops",
        {"name": "no email"},
    ]

    with pytest.raises(CommandError) as error:
        run("seed_users", users_file(rows), "--workers", "1")

    assert str(error.value) == (
        "3 rows failed:\n"
        "  row 2: x@example.com: userGroup 'ghosts' has no UMS configuration; create it first.\n"
        "  row 3: not a JSON object\n"
        "  row 4: ?: email: is required."
    )
    assert User.objects.count() == 1


def test_seed_users_reports_an_unreadable_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read the users"):
        run("seed_users", str(tmp_path / "missing.json"))


# --- reconcile_users --------------------------------------------------------------------


@pytest.fixture
def drifted(auth0, user_factory, group_factory):
    """One user of each kind of drift, plus one in step."""
    group_factory("vip")
    in_step = user_factory(name="In step")
    missing = user_factory(name="Missing")
    auth0.users.pop(missing.auth_user_id)
    regrouped = user_factory(name="Regrouped")
    auth0.user_update(regrouped.auth_user_id, {"app_metadata": {"groups": ["vip"]}})
    unblocked = user_factory(name="Unblocked", blocked=True)
    auth0.user_update(unblocked.auth_user_id, {"blocked": False})
    leftover = auth0.add_user(email="gone@example.com", app_metadata={"umsId": "f" * 24})
    only = auth0.add_user(email="only@example.com", name="Only", app_metadata={"groups": ["vip"]})
    stranger = auth0.add_user(email="stranger@example.com", app_metadata={"groups": ["x"]})
    return {
        "in_step": in_step,
        "missing": missing,
        "regrouped": regrouped,
        "unblocked": unblocked,
        "leftover": leftover,
        "only": only,
        "stranger": stranger,
    }


def test_reconcile_reports_each_kind_of_drift_and_exits_non_zero(drifted):
    out = io.StringIO()
    with pytest.raises(CommandError, match="6 drifts remain; run with --fix"):
        call_command("reconcile_users", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "4 local users (0 without an Auth0 user yet), 6 Auth0 users."
    assert sorted((line.split()[0], line.split()[1]) for line in lines[1:-1]) == [
        ("blocked-differs", "user4@example.com"),
        ("groups-differ", "user3@example.com"),
        ("leftover-in-auth0", "gone@example.com"),
        ("missing-in-auth0", "user2@example.com"),
        ("only-in-auth0", "only@example.com"),
        ("only-in-auth0", "stranger@example.com"),
    ]
    assert lines[-1] == "6 drifts found, 6 remaining."


def test_reconcile_fix_repairs_all_it_can(auth0, drifted):
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 drifts remain"):
        call_command("reconcile_users", "--fix", stdout=out)

    text = out.getvalue()
    assert "stranger@example.com" in text
    assert "NOT fixed: cannot fix: none of its groups ['x'] has a UMS configuration" in text
    missing = User.objects.get(pk=drifted["missing"].pk)
    assert missing.auth_user_id in auth0.users
    assert auth0.users[drifted["regrouped"].auth_user_id].groups == ("customer",)
    assert auth0.users[drifted["unblocked"].auth_user_id].blocked is True
    assert drifted["leftover"].user_id not in auth0.users
    assert User.objects.get(auth_user_id=drifted["only"].user_id).user_group_id == "vip"

    again = io.StringIO()
    with pytest.raises(CommandError, match="1 drifts remain"):
        call_command("reconcile_users", stdout=again)
    assert "stranger@example.com" in again.getvalue()


def test_reconcile_in_step_reports_nothing(auth0, user_factory):
    user_factory()

    out, _ = run("reconcile_users")

    assert out.splitlines()[-1] == "0 drifts found, 0 remaining."


def test_reconcile_links_a_leftover_of_a_register_whose_row_was_not_updated(auth0, group):
    user = services.user_create(
        data={"userGroup": "customer", "email": "r@example.com", "name": "R"},
        postpone_auth_user_creation=True,
    )
    remote = auth0.add_user(email="r@example.com", app_metadata={"umsId": user.id})

    run("reconcile_users", "--fix")

    assert User.objects.get().auth_user_id == remote.user_id


# --- seed_demo --------------------------------------------------------------------------


def test_seed_demo_creates_the_groups_and_links_the_demo_users(auth0, db):
    admin = auth0.add_user(email="admin@example.com", name="Demo Admin")

    out, _ = run("seed_demo")
    again, _ = run("seed_demo")

    assert sorted(UMSConfiguration.objects.values_list("user_group", flat=True)) == [
        "admin",
        "user",
    ]
    assert out == "demo users: admin@example.com linked, user@example.com created\n"
    assert again == "demo users: admin@example.com unchanged, user@example.com unchanged\n"
    assert User.objects.get(email="admin@example.com").auth_user_id == admin.user_id
    assert auth0.users[admin.user_id].groups == ("admin",)
    user = User.objects.get(email="user@example.com")
    assert auth0.passwords[user.auth_user_id] == "User-Passw0rd!"


def test_seed_demo_fails_clearly_when_auth0_is_down(auth0, db):
    for _ in range(4):
        auth0.fail("user_create")

    with pytest.raises(CommandError, match="demo users not seeded"):
        run("seed_demo")
