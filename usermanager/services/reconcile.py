"""Drift between the database and Auth0: found by reconcile_users, repaired with --fix.

The database is the business source of truth: differing groups or blocked flags are put back
in Auth0 from the local user, never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from django.db import transaction

from auth0client.errors import Auth0UserNotFoundError
from auth0client.management import ManagementUser
from usermanager.errors import Auth0UserConflictError, UnknownUserGroupError
from usermanager.models import UMSConfiguration, User
from usermanager.services import mirror
from usermanager.services.users import user_link

AUTH0_PAGING_LIMIT = 1000


class DriftKind(StrEnum):
    MISSING_IN_AUTH0 = "missing-in-auth0"  # the local user's authUserId is not in Auth0
    LEFTOVER_IN_AUTH0 = "leftover-in-auth0"  # left in Auth0 by a create that failed locally
    ONLY_IN_AUTH0 = "only-in-auth0"  # an Auth0 user no local user is linked to
    GROUPS_DIFFER = "groups-differ"
    BLOCKED_DIFFERS = "blocked-differs"


@dataclass(frozen=True)
class Drift:
    kind: DriftKind
    email: str
    detail: str
    user_id: str | None = None  # the local `_id`
    auth_user_id: str | None = None


@dataclass
class ReconcileReport:
    drifts: list[Drift] = field(default_factory=list)
    local_users: int = 0
    auth0_users: int = 0
    not_registered: int = 0  # local users without an Auth0 user yet (postponed or disabled)
    truncated: bool = False  # Auth0 lists only its first 1,000 users page by page


def reconcile_scan() -> ReconcileReport:
    client = mirror.client()
    remote_by_id = {remote.user_id: remote for remote in client.iter_users()}
    report = ReconcileReport(auth0_users=len(remote_by_id))
    report.truncated = len(remote_by_id) >= AUTH0_PAGING_LIMIT
    for user in User.objects.select_related("user_group").iterator():
        report.local_users += 1
        if not user.auth_user_id:
            report.not_registered += 1
            continue
        remote = remote_by_id.pop(user.auth_user_id, None)
        if remote is None and report.truncated:
            remote = _fetch(user.auth_user_id)
        report.drifts.extend(_compare(user, remote))
    report.drifts.extend(_unlinked(remote_by_id.values()))
    return report


def reconcile_fix(drift: Drift) -> str:
    """Repairs one drift; returns what was done (raises an ApiError when it cannot)."""
    if drift.kind == DriftKind.LEFTOVER_IN_AUTH0:
        return _fix_leftover(drift)
    if drift.kind == DriftKind.ONLY_IN_AUTH0:
        return _fix_only_in_auth0(drift)
    user = User.objects.get(pk=drift.user_id)
    if drift.kind == DriftKind.MISSING_IN_AUTH0:
        return _fix_missing(user)
    changes = mirror.auth0_profile(user)
    changes["app_metadata"] = {**changes["app_metadata"], mirror.UMS_ID_KEY: user.id}
    mirror.client().user_update(user.auth_user_id, changes)
    return "Auth0 updated from the local user"


def _fetch(auth_user_id: str) -> ManagementUser | None:
    try:
        return mirror.client().user_get(auth_user_id)
    except Auth0UserNotFoundError:
        return None


def _compare(user: User, remote: ManagementUser | None) -> Iterator[Drift]:
    ids = {"user_id": user.id, "auth_user_id": user.auth_user_id}
    if remote is None:
        yield Drift(DriftKind.MISSING_IN_AUTH0, user.email, "no such Auth0 user", **ids)
        return
    if sorted(remote.groups) != sorted(user.groups):
        detail = f"Auth0 {list(remote.groups)}, local {user.groups}"
        yield Drift(DriftKind.GROUPS_DIFFER, user.email, detail, **ids)
    if remote.blocked != user.blocked_in_auth0:
        detail = f"Auth0 blocked={remote.blocked}, local wants blocked={user.blocked_in_auth0}"
        yield Drift(DriftKind.BLOCKED_DIFFERS, user.email, detail, **ids)


def _unlinked(remotes: Iterable[ManagementUser]) -> Iterator[Drift]:
    for remote in remotes:
        email = remote.email or ""
        if mirror.is_leftover(remote):
            marker = remote.app_metadata.get(mirror.UMS_ID_KEY)
            detail = f"marked for local user {marker}, which is not linked to it"
            yield Drift(DriftKind.LEFTOVER_IN_AUTH0, email, detail, marker, remote.user_id)
        else:
            detail = f"groups {list(remote.groups)}, no local user"
            yield Drift(DriftKind.ONLY_IN_AUTH0, email, detail, None, remote.user_id)


def _fix_leftover(drift: Drift) -> str:
    owner = User.objects.filter(pk=drift.user_id, auth_user_id="").first()
    if owner is not None:
        # The create (or register) reached Auth0 but never recorded the id: finish it.
        User.objects.filter(pk=owner.pk).update(auth_user_id=drift.auth_user_id)
        return f"linked to local user {owner.id}"
    mirror.client().user_delete(str(drift.auth_user_id))
    return "deleted from Auth0"


def _fix_only_in_auth0(drift: Drift) -> str:
    remote = mirror.client().user_get(str(drift.auth_user_id))
    waiting = User.objects.filter(email=drift.email.lower(), auth_user_id="").first()
    if waiting is not None:
        _relink(waiting, remote)
        return f"linked to local user {waiting.id} (same email)"
    known = set(UMSConfiguration.objects.values_list("user_group", flat=True))
    group = next((name for name in remote.groups if name in known), None)
    if group is None:
        raise UnknownUserGroupError(
            f"cannot fix: none of its groups {list(remote.groups)} has a UMS configuration; "
            "link it with POST /users/with-id"
        )
    user = user_link(auth_user_id=remote.user_id, data={"userGroup": group})
    return f"created local user {user.id} in group {group!r}"


def _fix_missing(user: User) -> str:
    try:
        remote = mirror.create_auth0_user(user, password=None)
    except Auth0UserConflictError:
        remote = mirror.client().users_by_email(user.email)[0]
        _relink(user, remote)
        return f"linked to the Auth0 user {remote.user_id} with the same email"
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(auth_user_id=remote.user_id)
    return f"recreated in Auth0 as {remote.user_id} (the user must reset the password)"


def _relink(user: User, remote: ManagementUser) -> None:
    changes = mirror.auth0_profile(user)
    changes["app_metadata"] = {**changes["app_metadata"], mirror.UMS_ID_KEY: user.id}
    mirror.client().user_update(remote.user_id, changes)
    User.objects.filter(pk=user.pk).update(auth_user_id=remote.user_id)
    user.auth_user_id = remote.user_id
