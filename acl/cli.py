"""What `manage.py acl explain` and `acl test` compute: readable decisions and case results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from acl.decisions import AclInput, decide, expression_context
from acl.errors import PolicyError
from acl.expressions import subexpressions
from acl.identity import Identity
from acl.paths import normalise_path, split_uri
from acl.policy import Policy
from acl.rules import Decision

CASES_SCHEMA_FILE = Path(__file__).with_name("cases.schema.json")


def acl_input(
    method: str,
    url: str,
    *,
    identity: Identity | None,
    client_type: str | None = None,
    backoffice: bool = False,
) -> AclInput:
    path = normalise_path(split_uri(url)[0], decode=True)
    return AclInput(method.upper(), path, backoffice, client_type, identity)


def _names(values: frozenset[str]) -> str:
    return ",".join(sorted(values)) or "-"


def explain(policy: Policy, request: AclInput) -> list[str]:
    """The matched key and method, the rule, each sub-expression's value and the decision."""
    side = "backoffice" if request.is_backoffice else "frontend"
    lines = [f"request:    {request.method} {request.path} ({side})", _caller(request)]
    decision = decide(policy, request)
    if decision.key is None:
        lines.append(f"matched:    nothing (no key covers {request.path})")
    elif decision.method is None:
        lines.append(f"matched:    key {decision.key!r}, but no rule for {request.method}")
    else:
        lines.append(f"matched:    key {decision.key!r}, method {decision.method}")
    if decision.rule is not None:
        public = "true" if decision.rule.public else "false"
        lines.append(f"rule:       {decision.rule_name} (public: {public})")
        lines.append(f"expression: {decision.rule.source}")
        context = expression_context(request)
        for depth, node in subexpressions(decision.rule.expression):
            value = "true" if node.evaluate(context) else "false"
            lines.append(f"  {'  ' * depth}{node} = {value}")
    elif decision.rule_name is not None:
        lines.append(f"rule:       no {decision.rule_name} for this method")
    lines.append(f"decision:   {describe(decision)}")
    return lines


def _caller(request: AclInput) -> str:
    client_type = request.client_type or "-"
    if request.identity is None:
        return f"caller:     anonymous, clientType {client_type}"
    identity = request.identity
    return (
        f"caller:     user {identity.user_id!r}, groups {_names(identity.groups)}, "
        f"permissions {_names(identity.permissions)}, clientType {client_type}"
    )


def describe(decision: Decision) -> str:
    return f"{int(decision.status)} {decision.status.phrase} ({decision.reason})"


@dataclass(frozen=True)
class CaseResult:
    name: str
    request: AclInput
    expected: int
    decision: Decision

    @property
    def passed(self) -> bool:
        return int(self.decision.status) == self.expected

    def line(self) -> str:
        where = f"{self.request.method} {self.request.path}"
        if self.passed:
            return f"PASS  {self.name}: {where} -> {self.expected}"
        matched = f"; matched {self.decision.key!r}" if self.decision.key else ""
        got = describe(self.decision)
        return f"FAIL  {self.name}: {where} expected {self.expected}, got {got}{matched}"


@cache
def _cases_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(CASES_SCHEMA_FILE.read_text(encoding="utf-8")))


def load_cases(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise PolicyError(str(path), "$", f"cannot read the file ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), "$", f"not valid JSON ({exc})") from None
    errors = sorted(_cases_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        raise PolicyError(str(path), errors[0].json_path, errors[0].message)
    return list(data["cases"])


def run_case(policy: Policy, number: int, case: dict[str, Any]) -> CaseResult:
    user = case.get("user")
    identity = None
    if user is not None:
        identity = Identity(
            user_id=user.get("id", "test-user"),
            groups=frozenset(user.get("groups", ())),
            permissions=frozenset(user.get("permissions", ())),
        )
    request = acl_input(
        case["method"],
        case["url"],
        identity=identity,
        client_type=case.get("clientType"),
        backoffice=case.get("backoffice", False),
    )
    name = case.get("name") or f"case {number}"
    return CaseResult(name, request, case["expect"], decide(policy, request))


def summary(results: list[CaseResult]) -> str:
    failed = sum(not result.passed for result in results)
    return f"{len(results) - failed} passed, {failed} failed"


__all__ = ["CaseResult", "acl_input", "explain", "load_cases", "run_case", "summary"]
