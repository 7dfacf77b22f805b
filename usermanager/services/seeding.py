"""Bulk seeding: an idempotent upsert by email through the same services as the REST API."""

from __future__ import annotations

import csv
import json
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from pathlib import Path
from typing import Any

from django.db import connection

from authgw.errors import ApiError
from usermanager.documents import CORE_FIELDS, user_document
from usermanager.errors import Auth0UserConflictError, InvalidDocumentError
from usermanager.models import User
from usermanager.selectors import user_by_email
from usermanager.services import mirror
from usermanager.services.users import user_create, user_link, user_update

_BOOLEAN_CELLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


class SeedAction(StrEnum):
    CREATED = "created"
    LINKED = "linked"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


FAILED = "failed"


@dataclass(frozen=True)
class SeedOutcome:
    action: str  # a SeedAction, or "failed"
    error: str = ""
    status: int | None = None  # the HTTP status of the error

    @property
    def failed(self) -> bool:
        return self.action == FAILED


@dataclass(frozen=True)
class SeedRow:
    number: int  # 1-based, as a person counts the rows of the file
    data: dict[str, Any]
    password: str | None = None
    problem: str | None = None


def read_seed_file(path: Path) -> list[SeedRow]:
    """A JSON list of users (or `{"users": [...]}`), or a CSV file with a header row."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        records = [_csv_record(row) for row in csv.DictReader(text.splitlines())]
    else:
        loaded = json.loads(text)
        records = loaded["users"] if isinstance(loaded, dict) else loaded
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a list of users")
    return [_row(number, record) for number, record in enumerate(records, start=1)]


def user_upsert(
    *, data: Mapping[str, Any], password: str | None = None, dry_run: bool = False
) -> SeedAction:
    """Updates the user with this email, or creates it (linking an Auth0 user that exists)."""
    email = str(data.get("email") or "").strip().lower()
    if not email:
        raise InvalidDocumentError("email: is required.", {"email": ["is required"]})
    local = user_by_email(email=email)
    if local is not None:
        return _update(local, data, dry_run=dry_run)
    if dry_run:
        return SeedAction.CREATED
    try:
        user_create(data=data, password=password)
    except Auth0UserConflictError:
        remote = next(iter(mirror.client().users_by_email(email)), None)
        if remote is None:
            raise
        user_link(auth_user_id=remote.user_id, data=data)
        return SeedAction.LINKED
    return SeedAction.CREATED


def seed_rows(
    rows: list[SeedRow], *, dry_run: bool, workers: int, progress: Callable[[str], None]
) -> dict[int, SeedOutcome]:
    """Each row's outcome, by row number; rows are spread over `workers` threads."""
    outcomes: dict[int, SeedOutcome] = {}
    pending: queue.SimpleQueue[SeedRow] = queue.SimpleQueue()
    for row in rows:
        pending.put(row)

    def work() -> None:
        try:
            while True:
                try:
                    row = pending.get_nowait()
                except queue.Empty:
                    return
                outcomes[row.number] = _seed_one(row, dry_run=dry_run)
                progress(outcomes[row.number].action)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # each thread had its own connection

    if workers == 1:
        work()
        return outcomes
    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _seed_one(row: SeedRow, *, dry_run: bool) -> SeedOutcome:
    if row.problem:
        return SeedOutcome(FAILED, row.problem, HTTPStatus.BAD_REQUEST)
    try:
        action = user_upsert(data=row.data, password=row.password, dry_run=dry_run)
    except ApiError as exc:
        return SeedOutcome(FAILED, f"{row.data.get('email', '?')}: {exc.message}", exc.status)
    return SeedOutcome(str(action))


def _update(user: User, data: Mapping[str, Any], *, dry_run: bool) -> SeedAction:
    current = user_document(user)
    changes = {key: value for key, value in data.items() if _differs(current.get(key), value, key)}
    if not changes:
        return SeedAction.UNCHANGED
    if not dry_run:
        user_update(user_id=user.id, values=changes)
    return SeedAction.UPDATED


def _differs(current: Any, wanted: Any, key: str) -> bool:
    if key == "email":
        return str(current).lower() != str(wanted).strip().lower()
    if key in CORE_FIELDS and key != "blocked":
        return (current or "") != (wanted.strip() if isinstance(wanted, str) else wanted or "")
    return bool(current != wanted)


def _row(number: int, record: Any) -> SeedRow:
    if not isinstance(record, dict):
        return SeedRow(number=number, data={}, problem="not a JSON object")
    data = dict(record)
    password = data.pop("password", None)
    return SeedRow(number=number, data=data, password=str(password) if password else None)


def _csv_record(row: Mapping[str, str | None]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in row.items():
        if not key or value is None or value.strip() == "":
            continue
        cell = value.strip()
        record[key.strip()] = _BOOLEAN_CELLS.get(cell.lower(), cell) if key == "blocked" else cell
    return record
