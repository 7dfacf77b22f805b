"""What the product's own stdout handler (filters and JSON formatter included) writes in a test."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

LogLines = Callable[[], list[dict[str, Any]]]


@contextlib.contextmanager
def json_log_lines() -> Iterator[LogLines]:
    """Redirects the `stdout` handler of settings.LOGGING; yields a reader of its JSON lines."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        handler.setStream(previous)
