"""`manage.py seed_demo`: the demo tenant's UMS configurations and users (used by `make run`)."""

from __future__ import annotations

import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from usermanager import services
from usermanager.progress import ProgressBar
from usermanager.services.seeding import read_seed_file, seed_rows

DEMO_USERS = Path(__file__).resolve().parents[2] / "seeds" / "demo_users.json"
# The tutorial's crudSchema (seed 000).
CRUD_SCHEMA = {
    "type": "object",
    "required": ["email", "userGroup", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "userGroup": {"type": "string"},
        "name": {"type": "string"},
    },
}
DEMO_GROUPS = (
    {"userGroup": "admin", "label": "Administrators", "crudSchema": CRUD_SCHEMA,
     "permissions": ["users:read", "users:write"]},
    {"userGroup": "user", "label": "Users", "crudSchema": CRUD_SCHEMA, "permissions": []},
)  # fmt: skip


class Command(BaseCommand):
    help = "Create the UMS configurations `admin` and `user` and seed or link the demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=float,
            default=0.0,
            help="seconds to keep retrying while Auth0 (the emulator) is still starting",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for group in DEMO_GROUPS:
            services.ums_configuration_ensure(data=group)
        rows = read_seed_file(DEMO_USERS)
        deadline = time.monotonic() + options["wait"]
        while True:
            progress = ProgressBar(self.stderr, len(rows), label="demo users ")
            outcomes = seed_rows(rows, dry_run=False, workers=1, progress=progress.advance)
            failed = [outcome for outcome in outcomes.values() if outcome.failed]
            unavailable = any(o.status == HTTPStatus.SERVICE_UNAVAILABLE for o in failed)
            if not unavailable or time.monotonic() >= deadline:
                break
            time.sleep(1)  # the emulator may still be starting
        if failed:
            raise CommandError("demo users not seeded:\n  " + "\n  ".join(o.error for o in failed))
        summary = ", ".join(f"{row.data['email']} {outcomes[row.number].action}" for row in rows)
        self.stdout.write(f"demo users: {summary}")
