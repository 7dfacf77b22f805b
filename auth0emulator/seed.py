"""Loading and validating a seed file: JSON, the schema, then the cross-references."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).with_name("seed.schema.json")
DEMO_SEED_PATH = Path(__file__).parent / "seeds" / "demo.json"


class SeedError(Exception):
    """A seed problem, printed as `demo.json: $.users[1].connection: reason`."""

    def __init__(self, source: str, json_path: str, reason: str) -> None:
        super().__init__(f"{source}: {json_path}: {reason}")
        self.source = source
        self.json_path = json_path
        self.reason = reason


def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def load_seed(seed: dict[str, Any] | Path | str) -> dict[str, Any]:
    """The validated seed; `seed` is a dict or the path of a JSON file."""
    if isinstance(seed, dict):
        source, data = "<seed>", seed
    else:
        path = Path(seed)
        source = path.name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SeedError(source, "$", f"cannot read the file ({exc.strerror})") from None
        except ValueError as exc:
            raise SeedError(source, "$", f"not JSON ({exc})") from None
        except RecursionError:
            raise SeedError(source, "$", "not JSON (nested too deeply)") from None
    validate_seed(data, source)
    return data


def validate_seed(data: Any, source: str = "<seed>") -> None:
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise SeedError(source, errors[0].json_path, errors[0].message)
    for json_path, reason in _reference_problems(data):
        raise SeedError(source, json_path, reason)


def _reference_problems(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    clients = [c["client_id"] for c in data.get("clients", [])]
    connections = [c["name"] for c in data.get("connections", [])]
    roles = [r["name"] for r in data.get("roles", [])]
    yield from _duplicates("clients", clients, "client_id")
    yield from _duplicates("connections", connections, "name")
    yield from _duplicates("roles", roles, "name")
    for i, grant in enumerate(data.get("client_grants", [])):
        if grant["client_id"] not in clients:
            yield f"$.client_grants[{i}].client_id", f"unknown client {grant['client_id']!r}"
    for i, user in enumerate(data.get("users", [])):
        if user["connection"] not in connections:
            yield f"$.users[{i}].connection", f"unknown connection {user['connection']!r}"
        for j, role in enumerate(user.get("roles", [])):
            if role not in roles:
                yield f"$.users[{i}].roles[{j}]", f"unknown role {role!r}"
    default = data.get("tenant", {}).get("default_directory")
    if default is not None and default not in connections:
        yield "$.tenant.default_directory", f"unknown connection {default!r}"
    emails = [(u["connection"], u["email"].lower()) for u in data.get("users", [])]
    yield from _duplicates("users", emails, "email")


def _duplicates(key: str, values: list[Any], field: str) -> Iterator[tuple[str, str]]:
    seen: set[Any] = set()
    for i, value in enumerate(values):
        if value in seen:
            yield f"$.{key}[{i}].{field}", f"duplicate {field} {value!r}"
        seen.add(value)
