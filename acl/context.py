"""`request.acl`: what views (and the gateway) know about the caller once the acl has decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import HttpRequest

from acl.identity import Identity
from acl.rules import Decision

_REQUEST_ATTR = "acl"


@dataclass(frozen=True)
class AclContext:
    identity: Identity | None
    client_type: str | None
    is_backoffice: bool
    decision: Decision

    @property
    def user_id(self) -> str | None:
        return self.identity.user_id if self.identity is not None else None

    @property
    def groups(self) -> frozenset[str]:
        return self.identity.groups if self.identity is not None else frozenset()

    @property
    def permissions(self) -> frozenset[str]:
        return self.identity.permissions if self.identity is not None else frozenset()

    @property
    def properties(self) -> Mapping[str, object]:
        return self.identity.properties if self.identity is not None else {}

    @property
    def matched_rule(self) -> str | None:
        """`KEY METHOD rule_name`, e.g. `/users ALL authorization`; None when nothing matched."""
        decision = self.decision
        if decision.key is None:
            return None
        parts = (decision.key, decision.method, decision.rule_name)
        return " ".join(part for part in parts if part)


def set_request_acl(request: HttpRequest, context: AclContext | None) -> None:
    """Set `request.acl` (None until the acl has decided, and for forward-auth requests)."""
    setattr(request, _REQUEST_ATTR, context)
