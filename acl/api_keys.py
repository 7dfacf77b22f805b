"""API_KEYS_FILE: each API key (`client-key` header, `mia_client_key` cookie) -> its clientType."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, ValidationError

from acl.errors import PolicyError
from acl.policy import parse_json

SCHEMA_FILE = Path(__file__).with_name("api_keys.schema.json")
CLIENT_KEY_HEADER = "client-key"
CLIENT_KEY_COOKIE = "mia_client_key"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class ApiKeys:
    # Keys are held as SHA-256 digests: the table never keeps (or logs) a usable key.
    _client_types: Mapping[str, str] = field(default_factory=dict)

    def client_type(self, key: str) -> str | None:
        """The clientType of a key, or None when the key is unknown."""
        return self._client_types.get(_digest(key))

    def __len__(self) -> int:
        return len(self._client_types)


def _reason(error: ValidationError) -> str:
    # jsonschema's own message (and JSON path) would quote the key, which is a secret.
    if not error.absolute_path and error.validator == "type":
        return "expected a JSON object of API key -> clientType"
    if error.validator == "propertyNames" or not error.absolute_path:
        return "every API key must be at least 8 characters long"
    return "every clientType must be a non-empty string"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def load_api_keys(path: Path | None) -> ApiKeys:
    """Read and validate the API-keys file; no file configured means no key is valid."""
    if path is None:
        return ApiKeys()
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(file, "$", f"cannot read the file ({exc.strerror})") from None
    data = parse_json(raw, file)
    try:
        errors = sorted(_validator().iter_errors(data), key=lambda error: list(error.absolute_path))
    except RecursionError:
        raise PolicyError(file, "$", "expected a JSON object of API key -> clientType") from None
    if errors:
        raise PolicyError(file, "$", _reason(errors[0]))
    return ApiKeys({_digest(key): client_type for key, client_type in data.items()})
