"""JSON-lines logging, with tokens, cookies, passwords and secrets scrubbed out.

Every line written while a request is served carries that request's `request_id`. One
configuration (`logging_config`) serves Django's LOGGING and gunicorn's logconfig_dict.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from authgw.request_context import current_request_id

REDACTED = "[REDACTED]"

# Mia-Platform's level names (LOG_LEVEL); "trace" is below DEBUG.
LOG_LEVELS: Mapping[str, int] = {
    "trace": 5,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
}
_LEVEL_NAMES = {number: name for name, number in LOG_LEVELS.items()}

# Each pattern keeps its first group (the key) and replaces the value.
_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    # key=value, key: value and "key": "value" for sensitive keys.
    re.compile(
        r"(?i)((?:\"|')?\b(?:[a-z_-]*password|passwd|[a-z_-]*secret|[a-z_-]*token|"
        r"authorization|cookie|set-cookie|sid|code|code_verifier|client[_-]?key|api[_-]?key|"
        r"mia_client_key|sessionid|csrftoken)(?:\"|')?\s*[:=]\s*(?:\"|')?)"
        r"(?:(?:bearer|basic)\s+)?[^\s\"'&,;}]+"
    ),
    # JWTs and JWT-like tokens (header.payload.signature, base64url).
    re.compile(r"()eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*"),
    # Authorization header values wherever they appear.
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[^\s\"',;]+"),
)


def redact(text: str) -> str:
    """Replace anything that looks like a credential with a marker."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: f"{match.group(1)}{REDACTED}", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Scrubs the rendered message and extra fields of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None
        return True


class RequestIdFilter(logging.Filter):
    """Stamps `request_id` on every record written while a request is served, whatever the logger.

    A filter on the handler, not on loggers: logger filters do not see records that propagate
    from child loggers. Outside a request the record gets no `request_id` at all.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = current_request_id()
            if request_id is not None:
                record.request_id = request_id
        return True


# Attributes every LogRecord has; anything else was passed in `extra=` and is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": _LEVEL_NAMES.get(record.levelno, record.levelname.lower()),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, default=str)


def logging_config(level: str) -> dict[str, Any]:
    """Django's LOGGING and gunicorn's logconfig_dict: JSON lines on stdout, `level` and up."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "redact": {"()": RedactSecretsFilter},
        },
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["request_id", "redact"],
            }
        },
        "root": {"handlers": ["stdout"], "level": LOG_LEVELS[level]},
        "loggers": {
            # The access log is ours (authgw.access); Django's own request lines would repeat it.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            # gunicorn's own lines (start, stop, worker deaths), in place of its plain-text
            # handler on stderr; its access log is off (the product writes authgw.access).
            "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
