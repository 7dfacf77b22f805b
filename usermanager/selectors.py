"""Reads of users and UMS configurations."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from usermanager.errors import (
    UMSConfigurationNotFoundError,
    UnknownUserGroupError,
    UserNotFoundError,
)
from usermanager.models import RemovedAuthUser, UMSConfiguration, User


@dataclass(frozen=True)
class UserFilters:
    """Every filter of GET /users, /users/count and POST /users/state (None: not filtered)."""

    ids: tuple[str, ...] | None = None
    user_group: str | None = None
    email: str | None = None
    username: str | None = None
    auth_user_id: str | None = None
    customer_id: str | None = None
    blocked: bool | None = None
    states: tuple[str, ...] | None = None
    search: str | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


def user_queryset(*, filters: UserFilters) -> QuerySet[User]:
    queryset = User.objects.all()
    exact = {
        "user_group_id": filters.user_group,
        "email": filters.email.lower() if filters.email else None,
        "username": filters.username,
        "auth_user_id": filters.auth_user_id,
        "customer_id": filters.customer_id,
        "blocked": filters.blocked,
    }
    queryset = queryset.filter(**{key: value for key, value in exact.items() if value is not None})
    if filters.ids is not None:
        queryset = queryset.filter(id__in=filters.ids)
    if filters.states is not None:
        queryset = queryset.filter(state__in=filters.states)
    if filters.search:
        text = filters.search
        queryset = queryset.filter(
            Q(email__icontains=text)
            | Q(name__icontains=text)
            | Q(username__icontains=text)
            | Q(customer_id__icontains=text)
        )
    return queryset


def user_list(*, filters: UserFilters, limit: int, skip: int) -> tuple[list[User], int]:
    """One page of users (in creation order) and the total that match."""
    queryset = user_queryset(filters=filters)
    return list(queryset[skip : skip + limit]), queryset.count()


def user_count(*, filters: UserFilters) -> int:
    return user_queryset(filters=filters).count()


def user_get(*, user_id: str) -> User:
    try:
        return User.objects.get(id=user_id)
    except User.DoesNotExist:
        raise UserNotFoundError(f"No user with _id {user_id!r}.") from None


def user_by_auth_user_id(*, auth_user_id: str) -> User | None:
    if not auth_user_id:
        return None
    return User.objects.select_related("user_group").filter(auth_user_id=auth_user_id).first()


def auth_user_removed(*, auth_user_id: str) -> bool:
    """True when a local record linked to this Auth0 user was deleted (see RemovedAuthUser)."""
    return RemovedAuthUser.objects.filter(auth_user_id=auth_user_id).exists()


def user_by_email(*, email: str) -> User | None:
    return User.objects.filter(email=email.strip().lower()).first()


def ums_configuration_list() -> list[UMSConfiguration]:
    return list(UMSConfiguration.objects.all())


def ums_configuration_get(*, configuration_id: str) -> UMSConfiguration:
    """By `_id`, or by `userGroup` for convenience."""
    found = UMSConfiguration.objects.filter(
        Q(id=configuration_id) | Q(user_group=configuration_id)
    ).first()
    if found is None:
        raise UMSConfigurationNotFoundError(f"No UMS configuration {configuration_id!r}.")
    return found


def ums_configuration_for_group(*, user_group: str) -> UMSConfiguration:
    """The configuration a user's group must name; an unknown group is the caller's error."""
    found = UMSConfiguration.objects.filter(user_group=user_group).first()
    if found is None:
        raise UnknownUserGroupError(
            f"userGroup {user_group!r} has no UMS configuration; create it first."
        )
    return found
