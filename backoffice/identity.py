"""Who is signed in to the back office: the SSO identity the acl resolved for this request."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from acl.identity import Identity
from acl.resolvers import resolver_for

_MEMO_ATTR = "_backoffice_identity"


def sso_identity(request: HttpRequest) -> Identity | None:
    """`request.acl`'s identity; without the acl middleware, the configured resolver's answer.

    None means anonymous. Resolver trouble (store or provider down) raises an ApiError, so the
    back office fails closed instead of treating the caller as someone else.
    """
    if hasattr(request, _MEMO_ATTR):
        memo: Identity | None = getattr(request, _MEMO_ATTR)
        return memo
    acl = getattr(request, "acl", None)
    if acl is not None:
        identity = acl.identity
    else:
        identity = resolver_for(settings.ACL, is_backoffice=True).resolve(request)
    setattr(request, _MEMO_ATTR, identity)
    return identity


@dataclass(frozen=True)
class SignedInUser:
    """What the header shows: the same fields /userinfo answers for this user."""

    user_id: str
    name: str
    email: str
    groups: tuple[str, ...]


def signed_in_user(identity: Identity) -> SignedInUser:
    email = _text(identity.properties.get("email"))
    return SignedInUser(
        user_id=identity.user_id,
        name=_text(identity.properties.get("name")) or email or identity.user_id,
        email=email,
        groups=tuple(sorted(identity.groups)),
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
