"""The decision for one request: which rule applies, and 200, 401 or 403 (strict mode)."""

from __future__ import annotations

from dataclasses import dataclass

from acl.identity import Identity
from acl.paths import is_ambiguous
from acl.policy import Policy
from acl.rules import (
    AMBIGUOUS_PATH,
    METHOD_SLOTS,
    NO_ROUTE,
    OTHER_METHOD_SLOT,
    Decision,
    Outcomes,
)

__all__ = ["AclInput", "Decision", "decide", "expression_context", "needs_identity"]

_NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AclInput:
    method: str
    path: str  # normalised (acl.paths.normalise_path)
    is_backoffice: bool = False
    client_type: str | None = None
    identity: Identity | None = None


def expression_context(request: AclInput) -> dict[str, object]:
    """The variables an expression sees."""
    identity = request.identity
    return {
        "groups": identity.groups if identity is not None else _NOBODY,
        "permissions": identity.permissions if identity is not None else _NOBODY,
        "clientType": request.client_type,
        "isBackoffice": request.is_backoffice,
    }


def needs_identity(policy: Policy, request: AclInput) -> bool:
    """Whether the decision for this request can depend on who the caller is."""
    outcomes = _outcomes(policy, request)
    return outcomes is None or outcomes.needs_identity


def _outcomes(policy: Policy, request: AclInput) -> Outcomes | None:
    slots = policy.find_slots(request.path)
    if slots is None:
        return None
    slot = METHOD_SLOTS.get(request.method, OTHER_METHOD_SLOT)
    return slots[slot + 1 if request.is_backoffice else slot]


def decide(policy: Policy, request: AclInput) -> Decision:
    """backofficeAuthorization for backoffice requests when the method has one, else
    authorization; then: not public and no user 401, expression true 200, else 401 or 403."""
    if "%" in request.path and is_ambiguous(request.path):
        return AMBIGUOUS_PATH
    slots = policy.find_slots(request.path)
    if slots is None:
        return NO_ROUTE
    slot = METHOD_SLOTS.get(request.method, OTHER_METHOD_SLOT)
    outcomes = slots[slot + 1 if request.is_backoffice else slot]
    expression = outcomes.expression
    if expression is None:
        return outcomes.allowed  # all four outcomes say "not configured"
    if request.identity is None and not outcomes.public:
        return outcomes.sign_in
    if expression.evaluate(expression_context(request)):
        return outcomes.allowed
    return outcomes.anonymous if request.identity is None else outcomes.forbidden
