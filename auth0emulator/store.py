"""The emulator's own storage: one JSON document, guarded by a lock, written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MEMORY = ":memory:"
VERSION = 1
# Records that expire; purged on each write so a long `make run` stays small.
_EXPIRING = (
    "sessions", "transactions", "codes", "access_tokens", "refresh_tokens", "tickets",
    "console_codes", "console_refresh_tokens",
)  # fmt: skip
_COLLECTIONS = ("users", "user_roles", *_EXPIRING)

State = dict[str, Any]


def digest(secret: str) -> str:
    """Codes, tokens and session ids are stored only as their SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


class StoreError(Exception):
    pass


class Store:
    def __init__(self, path: Path | str | None, now: Callable[[], float]) -> None:
        self.path = None if path in (None, MEMORY) else Path(str(path))
        self._now = now
        self._lock = threading.RLock()
        self._state = self._load()

    def _load(self) -> State:
        empty: State = {"version": VERSION, "keys": [], **{name: {} for name in _COLLECTIONS}}
        if self.path is None or not self.path.exists():
            return empty
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.path}: unreadable emulator data ({exc})") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise StoreError(f"{self.path}: not an auth0emulator data file (version {VERSION})")
        return {**empty, **data}

    @property
    def is_new(self) -> bool:
        return self.path is None or not self.path.exists()

    @contextmanager
    def read(self) -> Iterator[State]:
        with self._lock:
            yield self._state

    @contextmanager
    def write(self) -> Iterator[State]:
        """Changes made inside are saved when the block ends without an exception."""
        with self._lock:
            yield self._state
            self._purge()
            self._save()

    def _purge(self) -> None:
        now = self._now()
        for name in _EXPIRING:
            records = self._state[name]
            for key in [k for k, v in records.items() if v.get("expires_at", now + 1) < now]:
                del records[key]

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".auth0emulator-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._state, handle, separators=(",", ":"))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
