"""Users and UMS configurations: the business records kept in step with Auth0 identities."""

from __future__ import annotations

import secrets
import time

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


def new_object_id() -> str:
    """24 hex characters, like a MongoDB ObjectId: 4 bytes of time, then 8 random bytes."""
    return f"{int(time.time()):08x}{secrets.token_hex(8)}"


class UserState(models.TextChoices):
    PUBLIC = "PUBLIC"
    DRAFT = "DRAFT"
    TRASH = "TRASH"
    DELETED = "DELETED"


group_name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$",
    "A userGroup is 1-100 letters, digits, '_', '.', ':' or '-' (it is used in acl expressions).",
)


class UMSConfiguration(models.Model):
    id = models.CharField(primary_key=True, max_length=24, default=new_object_id, editable=False)
    user_group = models.CharField(max_length=100, unique=True, validators=[group_name_validator])
    label = models.CharField(max_length=200)
    # A JSON Schema every user of this group must satisfy (checked as a schema when saved).
    crud_schema = models.JSONField(default=dict)
    auth_user_creation_disabled = models.BooleanField(default=False)
    permissions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("user_group",)
        verbose_name = "UMS configuration"

    def __str__(self) -> str:
        return self.user_group


class User(models.Model):
    id = models.CharField(primary_key=True, max_length=24, default=new_object_id, editable=False)
    user_group = models.ForeignKey(
        UMSConfiguration,
        to_field="user_group",
        on_delete=models.PROTECT,
        related_name="users",
        db_column="user_group",
    )
    # Empty until the Auth0 user exists; unique among the non-empty values.
    auth_user_id = models.CharField(max_length=255, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=300, blank=True, default="")
    blocked = models.BooleanField(default=False)
    state = models.CharField(
        max_length=7, choices=UserState.choices, default=UserState.PUBLIC, db_index=True
    )
    # The business id that links the user to business data (licences, billing, ...).
    customer_id = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # Every other field of the group's crudSchema.
    extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("auth_user_id",),
                condition=~Q(auth_user_id=""),
                name="usermanager_user_auth_user_id_unique",
            ),
            models.UniqueConstraint(
                fields=("username",),
                condition=~Q(username=""),
                name="usermanager_user_username_unique",
            ),
        )

    def __str__(self) -> str:
        return self.email

    @property
    def groups(self) -> list[str]:
        return [self.user_group_id]

    @property
    def blocked_in_auth0(self) -> bool:
        """What Auth0's `blocked` must be: blocked here, or any state but PUBLIC."""
        return self.blocked or self.state != UserState.PUBLIC


class RemovedAuthUser(models.Model):
    """An Auth0 user whose local record was deleted (or soft-deleted with AUTH_HARD_DELETE).

    Written before Auth0 is told: tokens of the Auth0 user may outlive both halves, and no
    UMS_UNLINKED_USERS mode (`claims`, `provision`) may sign it in again without a new link.
    """

    auth_user_id = models.CharField(primary_key=True, max_length=255)
    removed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "removed Auth0 user"

    def __str__(self) -> str:
        return self.auth_user_id
