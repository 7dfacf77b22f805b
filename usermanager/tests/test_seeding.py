"""seed_users in parallel: every row ends with an outcome, even when its worker raises."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from usermanager.models import User
from usermanager.services import seeding

# Worker threads use their own connections: they must see the committed groups.
pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {"email": f"{name}@example.com", "name": name.upper(), "userGroup": "customer"}
    for name in ("a", "b", "c", "d", "e")
]


@pytest.fixture
def users_file(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps(ROWS))
    return str(path)


@pytest.fixture
def upsert_breaks_for_c(monkeypatch):
    """The per-row service raises a type no handler expects, for one email only."""
    real = seeding.user_upsert

    def upsert(*, data, password=None, dry_run=False):
        if data.get("email") == "c@example.com":
            raise RuntimeError("disk on fire")
        return real(data=data, password=password, dry_run=dry_run)

    monkeypatch.setattr(seeding, "user_upsert", upsert)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# Two workers writing at once: SQLite's shared in-memory test database locks tables instead of
# waiting, so the command-level runs need PostgreSQL (as test_e2e_commands' parallel seeding does).
@pytest.mark.postgres
def test_seed_users_in_parallel_reports_a_row_whose_worker_raised(
    auth0, group, users_file, upsert_breaks_for_c
):
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command("seed_users", users_file, "--workers", "2", stdout=out, stderr=err)

    summary = out.getvalue()
    assert "5 rows in" in summary
    assert summary.endswith(": 4 created, 0 linked, 0 updated, 0 unchanged, 1 failed\n")
    assert str(error.value) == (
        "1 rows failed:\n  row 3: c@example.com: unexpected error (RuntimeError: disk on fire)"
    )
    assert "5/5 (100%)" in err.getvalue()
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "a@example.com",
        "b@example.com",
        "d@example.com",
        "e@example.com",
    ]


@pytest.mark.postgres
def test_seed_users_in_parallel_exits_zero_when_every_row_succeeds(auth0, group, users_file):
    out, _ = run("seed_users", users_file, "--workers", "2")

    assert "5 rows in" in out
    assert out.endswith(": 5 created, 0 linked, 0 updated, 0 unchanged, 0 failed\n")
    assert User.objects.count() == 5


def test_seed_rows_gives_every_row_an_outcome_one_worker_or_many(auth0, group, upsert_breaks_for_c):
    rows = [seeding.SeedRow(number=n, data=row) for n, row in enumerate(ROWS, start=1)]
    notes: list[str] = []

    for workers in (1, 2):
        outcomes = seeding.seed_rows(rows, dry_run=True, workers=workers, progress=notes.append)

        assert sorted(outcomes) == [1, 2, 3, 4, 5]
        assert outcomes[3] == seeding.SeedOutcome(
            "failed", "c@example.com: unexpected error (RuntimeError: disk on fire)", 500
        )
        assert {outcomes[n].action for n in (1, 2, 4, 5)} == {"created"}
    assert len(notes) == 10
