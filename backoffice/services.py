"""The Django user behind an SSO identity: created or updated from its claims at each sign-in."""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import transaction

from acl.identity import Identity
from backoffice.errors import UnusableIdentityError
from backoffice.identity import SignedInUser, signed_in_user

# django.contrib.auth's column sizes.
_USERNAME_MAX = 150
_NAME_MAX = 150
_EMAIL_MAX = 254
_GROUP_MAX = 150


def claims_digest(identity: Identity) -> str:
    """Changes whenever a claim the Django user mirrors changes (sub, email, name, groups)."""
    user = signed_in_user(identity)
    raw = json.dumps([user.user_id, user.email, user.name, list(user.groups)])
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def staff_user_sync(*, identity: Identity) -> User:
    """The identity's Django user: staff, never superuser, no usable password (SSO only)."""
    claims = signed_in_user(identity)
    if len(claims.user_id) > _USERNAME_MAX:
        raise UnusableIdentityError(
            f"The user id is longer than {_USERNAME_MAX} characters: the back office cannot "
            "record it; ask an administrator."
        )
    model = get_user_model()
    user, _ = model.objects.get_or_create(username=claims.user_id)
    _copy_claims(user, claims)
    user.save()
    user.groups.set(_groups(claims.groups))
    return user


def _copy_claims(user: User, claims: SignedInUser) -> None:
    user.email = claims.email[:_EMAIL_MAX]
    user.first_name = claims.name[:_NAME_MAX]
    user.last_name = ""
    user.is_active = True
    user.is_staff = True
    # What a user may do here comes from the section expressions, never from Django flags.
    user.is_superuser = False
    if user.has_usable_password():
        user.set_unusable_password()


def _groups(names: tuple[str, ...]) -> list[Group]:
    usable = [name for name in names if len(name) <= _GROUP_MAX]
    return [Group.objects.get_or_create(name=name)[0] for name in usable]
