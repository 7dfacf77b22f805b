"""auth.json: validated against the Authorization Service's schema, compiled into a route table.

Lookup is a few dict gets per path segment, whatever the number of routes: the exact key, then
each parent key ending in `/` from the longest, down to `/`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from acl.errors import ExpressionSyntaxError, PolicyError
from acl.expressions import compile_expression
from acl.paths import normalise_path
from acl.rules import MethodRules, Outcomes, Rule, route_slots

logger = logging.getLogger(__name__)

SCHEMA_FILE = Path(__file__).with_name("policy.schema.json")
# What ALL covers (OPTIONS since Authorization Service 2.2.0).
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# HEAD and OPTIONS without a rule of their own (or ALL) get GET's decision (issue 9 item 6).
_FALLBACK_TO_GET = ("HEAD", "OPTIONS")
_RULE_KEYS = ("authorization", "backofficeAuthorization")
_RULE_FIELDS = ("expression", "public")
_PLAIN_PROPERTY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Route:
    key: str
    methods: Mapping[str, MethodRules]  # request method -> its block, ALL already applied


Slots = tuple[Outcomes, ...]  # see acl.rules.route_slots


@dataclass(frozen=True)
class Policy:
    file: str
    digest: str
    routes: Mapping[str, Route]  # normalised, lower-cased key -> route
    table: Mapping[object, Slots]  # the same keys -> the route's outcomes (see _route_table)
    depths: int  # bit n is set when some key has n slashes: other prefixes need no lookup
    warnings: tuple[str, ...] = ()

    def find_slots(self, path: str) -> Slots | None:
        """The route for a normalised path: exact key, longest parent ending in `/`, or `/`."""
        key = path.lower()
        table, depths = self.table, self.depths
        slashes = key.count("/")
        slots = table.get(key) if depths >> slashes & 1 else None
        # The first parent has one slash fewer than the path only when the path ends with one.
        slashes -= key[-1] == "/"
        end = len(key) - 1
        while slots is None and end > 0:
            end = key.rfind("/", 0, end)
            if depths >> slashes & 1:
                slots = table.get(key[: end + 1])
            slashes -= 1
        return slots


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def json_path(*parts: str) -> str:
    """A JSON path in jsonschema's own notation: `$['/users'].GET.authorization`."""
    path = "$"
    for part in parts:
        if _PLAIN_PROPERTY.match(part):
            path += "." + part
        else:
            path += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return path


def load_policy(path: Path) -> Policy:
    """Read, validate and compile an auth.json file; raises PolicyError."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyError(file, "$", f"cannot read the file ({exc.strerror})") from None
    data = parse_json(raw, file)
    return build_policy(data, file=file, digest=hashlib.sha256(raw).hexdigest())


def parse_json(raw: bytes, file: str) -> Any:
    """JSON from a configuration file; every way it can fail is a PolicyError (issue 9 item 10)."""
    try:
        data = json.loads(raw)
        # A lone surrogate escape ("\ud800") parses, but no header or path can ever match it.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except RecursionError:
        raise PolicyError(file, "$", "not valid JSON (nested too deeply)") from None
    except UnicodeEncodeError:
        raise PolicyError(file, "$", "not valid JSON (a lone UTF-16 surrogate escape)") from None
    # JSONDecodeError, UnicodeDecodeError, and ValueError for an integer over 4,300 digits.
    except ValueError as exc:
        raise PolicyError(file, "$", f"not valid JSON ({exc})") from None
    return data


def build_policy(data: Any, *, file: str, digest: str = "") -> Policy:
    try:
        _validate(data, file)
    except RecursionError:  # the schema's messages quote the value, recursively
        raise PolicyError(file, "$", "nested too deeply") from None
    routes: dict[str, Route] = {}
    warnings: list[str] = []
    for key, block in data.items():
        folded = normalise_path(key, decode=True).lower()
        if folded in routes:
            other = routes[folded].key
            raise PolicyError(file, json_path(key), f"the same route as {other!r} once normalised")
        routes[folded] = _route(key, block, file, warnings)
    depths = 0
    for folded in routes:
        depths |= 1 << folded.count("/")
    return Policy(file, digest, routes, _route_table(routes), depths, tuple(warnings))


class _NotAPath:
    """A key no path can equal."""


def _route_table(routes: Mapping[str, Route]) -> dict[object, Slots]:
    # CPython keeps a dict whose keys are all strings without the keys' hashes, so every slot a
    # failed lookup probes means reading another key object: a cache miss in a large table. One
    # non-string key makes it store the hashes in the table itself; most lookups here fail (a path
    # is tried against each of its parents), so this keeps 10,000 routes nearly as fast as 10.
    table: dict[object, Slots] = {_NotAPath(): ()}
    for folded, route in routes.items():
        table[folded] = route_slots(route.key, route.methods)
    return table


def _validate(data: Any, file: str) -> None:
    raise_first_schema_error(_validator(), data, file, _schema_reason)


def raise_first_schema_error(
    validator: Draft202012Validator,
    data: Any,
    file: str,
    reason_of: Callable[[ValidationError], str],
) -> None:
    """PolicyError(file, JSON path, reason) for the first schema error in path order, if any."""
    errors = sorted(validator.iter_errors(data), key=lambda error: list(error.absolute_path))
    if not errors:
        return
    first = errors[0]
    reason = reason_of(first)
    if len(errors) > 1:
        reason += f" (and {len(errors) - 1} more)"
    raise PolicyError(file, first.json_path, reason)


def _schema_reason(error: ValidationError) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        depth = len(error.absolute_path)
        extra = ", ".join(repr(key) for key in error.instance if _is_extra(key, depth))
        if depth == 0:
            return f"route key {extra} must start with '/'"
        if depth == 1:
            return f"method key {extra} must be GET, POST, PATCH, PUT, DELETE, HEAD or ALL"
    return str(error.message)


def _is_extra(key: str, depth: int) -> bool:
    if depth == 0:
        return not key.startswith("/")
    return re.match(r"^(GET|POST|PATCH|PUT|DELETE|HEAD)$|^(ALL)$", key) is None


def _route(key: str, block: Mapping[str, Any], file: str, warnings: list[str]) -> Route:
    written = {
        method: _method_rules(key, method, rules, file, warnings) for method, rules in block.items()
    }
    methods: dict[str, MethodRules] = {}
    for method in METHODS:
        rules = written.get(method) or written.get("ALL")
        if rules is None and method in _FALLBACK_TO_GET:
            rules = written.get("GET")
        if rules is not None:
            methods[method] = rules
    return Route(key=key, methods=methods)


def _method_rules(
    key: str, method: str, block: Mapping[str, Any], file: str, warnings: list[str]
) -> MethodRules:
    for extra in sorted(set(block) - set(_RULE_KEYS)):
        warnings.append(f"{file}: {json_path(key, method, extra)}: unknown key, ignored")
    rules = [_rule(block.get(name), file, json_path(key, method, name)) for name in _RULE_KEYS]
    for name in _RULE_KEYS:
        for extra in sorted(set(block.get(name) or {}) - set(_RULE_FIELDS)):
            warnings.append(f"{file}: {json_path(key, method, name, extra)}: unknown key, ignored")
    return MethodRules(key, method, rules[0], rules[1])


def _rule(block: Mapping[str, Any] | None, file: str, path: str) -> Rule | None:
    if block is None:
        return None
    source = block["expression"]
    try:
        expression = compile_expression(source)
    except ExpressionSyntaxError as exc:
        raise PolicyError(file, f"{path}.expression", str(exc)) from None
    return Rule(expression=expression, source=source, public=block["public"])
