"""The compiled pieces of a policy: rules, and every decision a rule can lead to.

Decisions are built once when the policy loads, so deciding a request allocates nothing, and a
route's outcomes sit in one flat tuple (few objects to touch per request, whatever the size).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from acl.expressions import Node, uses_identity

# Request methods with a slot in a route's table; any other method has no rule.
SLOT_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
OTHER_METHOD_SLOT = 2 * len(SLOT_METHODS)
# slot = 2 * method index + 1 for a backoffice request
METHOD_SLOTS: Mapping[str, int] = {method: 2 * i for i, method in enumerate(SLOT_METHODS)}


@dataclass(frozen=True, slots=True)
class Rule:
    expression: Node
    source: str
    public: bool


@dataclass(frozen=True, slots=True)
class Decision:
    status: HTTPStatus
    reason: str
    key: str | None = None  # the auth.json key that matched, as written
    method: str | None = None  # the method key that applied, as written (GET, ..., ALL)
    rule_name: str | None = None  # "authorization" or "backofficeAuthorization"
    rule: Rule | None = None

    @property
    def allowed(self) -> bool:
        return self.status == HTTPStatus.OK


NO_ROUTE = Decision(HTTPStatus.UNAUTHORIZED, "no rule for this path")
AMBIGUOUS_PATH = Decision(HTTPStatus.UNAUTHORIZED, "ambiguous path: encoded twice")


@dataclass(frozen=True, slots=True)
class Outcomes:
    """What one rule decides; `expression` None means not configured (all four say so)."""

    expression: Node | None
    public: bool
    needs_identity: bool  # False: the decision is the same whoever the caller is
    allowed: Decision
    sign_in: Decision
    anonymous: Decision
    forbidden: Decision

    @classmethod
    def of_rule(cls, key: str, method: str, rule_name: str, rule: Rule) -> Outcomes:
        def outcome(status: HTTPStatus, reason: str) -> Decision:
            return Decision(status, reason, key, method, rule_name, rule)

        return cls(
            rule.expression,
            rule.public,
            not rule.public or uses_identity(rule.expression),
            allowed=outcome(HTTPStatus.OK, "allowed"),
            sign_in=outcome(HTTPStatus.UNAUTHORIZED, "not public and no user"),
            anonymous=outcome(HTTPStatus.UNAUTHORIZED, "expression false for an anonymous caller"),
            forbidden=outcome(HTTPStatus.FORBIDDEN, "expression false for this user"),
        )

    @classmethod
    def not_configured(cls, decision: Decision) -> Outcomes:
        return cls(None, False, False, decision, decision, decision, decision)


@dataclass(frozen=True, slots=True)
class MethodRules:
    """One method block of auth.json, `key` and `method` as written (`ALL` included)."""

    key: str
    method: str
    authorization: Rule | None
    backoffice: Rule | None

    def outcomes(self, *, backoffice: bool) -> Outcomes:
        # A backoffice request without backofficeAuthorization uses authorization.
        key, method = self.key, self.method
        if backoffice and self.backoffice is not None:
            return Outcomes.of_rule(key, method, "backofficeAuthorization", self.backoffice)
        if self.authorization is not None:
            return Outcomes.of_rule(key, method, "authorization", self.authorization)
        missing = Decision(
            HTTPStatus.UNAUTHORIZED, "no authorization for this method", self.key, self.method,
            "authorization",
        )
        return Outcomes.not_configured(missing)


def route_slots(key: str, methods: Mapping[str, MethodRules]) -> tuple[Outcomes, ...]:
    """A route's flat table: frontend and backoffice outcomes per method, then other methods."""
    no_method = Outcomes.not_configured(
        Decision(HTTPStatus.UNAUTHORIZED, "no rule for this method", key)
    )
    # One pair of outcomes per written block, shared by the methods it covers (ALL covers seven):
    # fewer, adjacent objects are what keeps a 10,000-route table as fast as a 10-route one.
    shared: dict[int, list[Outcomes]] = {}
    slots: list[Outcomes] = []
    for method in SLOT_METHODS:
        rules = methods.get(method)
        if rules is None:
            slots += [no_method, no_method]
            continue
        if id(rules) not in shared:
            shared[id(rules)] = [rules.outcomes(backoffice=False), rules.outcomes(backoffice=True)]
        slots += shared[id(rules)]
    return (*slots, no_method, no_method)
