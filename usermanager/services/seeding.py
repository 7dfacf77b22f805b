"""Bulk seeding: an idempotent upsert by email through the same services as the REST API."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
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

logger = logging.getLogger(__name__)

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
    """Each row's outcome, by row number: one per row, whatever a row's worker raised."""
    if workers == 1:
        # In this thread, so that the caller's transaction (a test's, seed_demo's) is visible.
        return {row.number: _settled(row, dry_run=dry_run, progress=progress) for row in rows}
    outcomes: dict[int, SeedOutcome] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="seed") as pool:
        futures = {pool.submit(_seed_in_worker, row, dry_run=dry_run): row for row in rows}
        for future in as_completed(futures):
            row, error = futures[future], future.exception()
            if error is None:
                outcomes[row.number] = future.result()
            else:
                logger.error("seeding row %s raised", row.number, exc_info=error)
                outcomes[row.number] = _unexpected(row, error)
            progress(outcomes[row.number].action)
    return outcomes


def _settled(row: SeedRow, *, dry_run: bool, progress: Callable[[str], None]) -> SeedOutcome:
    try:
        outcome = _seed_one(row, dry_run=dry_run)
    except Exception as exc:
        logger.exception("seeding row %s raised", row.number)
        outcome = _unexpected(row, exc)
    progress(outcome.action)
    return outcome


def _seed_in_worker(row: SeedRow, *, dry_run: bool) -> SeedOutcome:
    try:
        return _seed_one(row, dry_run=dry_run)
    finally:
        connection.close()  # the pool thread's own connection (pool threads have no exit hook)


def _unexpected(row: SeedRow, exc: BaseException) -> SeedOutcome:
    """A bug or an outage no service translated: the row still fails visibly, with its reason."""
    email = row.data.get("email", "?")
    reason = f"{email}: unexpected error ({type(exc).__name__}: {exc})"
    return SeedOutcome(FAILED, reason, HTTPStatus.INTERNAL_SERVER_ERROR)


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
