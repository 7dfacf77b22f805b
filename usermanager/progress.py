"""A small progress bar for management commands (a terminal gets one redrawn line)."""

from __future__ import annotations

import threading
from typing import Protocol

WIDTH = 30


class Stream(Protocol):
    """What the bar writes to: a text file, or a management command's self.stdout/stderr."""

    def write(self, text: str, /) -> object: ...
    def flush(self) -> object: ...


class ProgressBar:
    def __init__(self, stream: Stream, total: int, *, label: str = "") -> None:
        self.stream, self.total, self.label = stream, total, label
        self.done = 0
        self._lock = threading.Lock()
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_tenth = -1

    def advance(self, note: str = "") -> None:
        with self._lock:
            self.done += 1
            self._draw(note)

    def _draw(self, note: str) -> None:
        share = self.done / self.total if self.total else 1.0
        if self._tty:
            filled = int(share * WIDTH)
            bar = "#" * filled + "-" * (WIDTH - filled)
            self.stream.write(f"\r{self.label}[{bar}] {self.done}/{self.total} {note}\033[K")
            if self.done == self.total:
                self.stream.write("\n")
        elif int(share * 10) > self._last_tenth:
            # Logs and CI: one line per tenth, not one per row.
            self._last_tenth = int(share * 10)
            self.stream.write(f"{self.label}{self.done}/{self.total} ({share:.0%})\n")
        self.stream.flush()
