"""The REST API's JSON parser: refuses strings no database column can store.

PostgreSQL cannot hold U+0000 in `text` or `jsonb`, and no database encoding holds an unpaired
surrogate (`"\\ud800"` is valid JSON): either would fail on save as a 500. DRF's CharField already
refuses both; this covers the free-form parts too (extra fields, crudSchema, filters). Found by
Schemathesis (issue 9 item 10).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_MAX_DEPTH = 64


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(value: Any, depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        raise ParseError(f"JSON parse error - nested deeper than {_MAX_DEPTH} levels.")
    if isinstance(value, str):
        if not _storable(value):
            raise ParseError(
                "JSON parse error - strings may not contain U+0000 or lone surrogates."
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


class StorableJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        _check(data)
        return data
