"""usermanager's routes (Mia-Platform's User Manager Service paths) and the OpenAPI description."""

from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView

from usermanager.views.configurations import ConfigurationDetailApi, ConfigurationListApi
from usermanager.views.identity import PostChangePasswordHookApi, PostLoginHookApi
from usermanager.views.users import (
    UserChangePasswordApi,
    UserCountApi,
    UserDetailApi,
    UserLinkApi,
    UserListApi,
    UserRegisterApi,
    UserSoftDeleteApi,
    UserStateApi,
)

app_name = "usermanager"


class ObjectIdConverter:
    """A user `_id` (24 hex digits): leaves `/users/me` and other names to their own routes."""

    regex = "[0-9a-f]{24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class GroupNameConverter:
    """A userGroup: anything but `/` and U+0000 (which PostgreSQL cannot even compare: a 500)."""

    regex = r"[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ObjectIdConverter, "objectid")
register_converter(GroupNameConverter, "groupname")

urlpatterns = [
    path("users", UserListApi.as_view(), name="user-list"),
    path("users/count", UserCountApi.as_view(), name="user-count"),
    path("users/register", UserRegisterApi.as_view(), name="user-register"),
    path("users/with-id", UserLinkApi.as_view(), name="user-link"),
    path("users/state", UserStateApi.as_view(), name="user-state"),
    path("users/change-password", UserChangePasswordApi.as_view(), name="user-change-password"),
    path("users/<objectid:user_id>", UserDetailApi.as_view(), name="user-detail"),
    path(
        "users/<objectid:user_id>/soft-delete", UserSoftDeleteApi.as_view(), name="user-soft-delete"
    ),
    path("ums-configurations", ConfigurationListApi.as_view(), name="configuration-list"),
    path(
        "ums-configurations/<groupname:configuration_id>",
        ConfigurationDetailApi.as_view(),
        name="configuration-detail",
    ),
    path("hooks/auth0/post-login", PostLoginHookApi.as_view(), name="hook-post-login"),
    path(
        "hooks/auth0/post-change-password",
        PostChangePasswordHookApi.as_view(),
        name="hook-post-change-password",
    ),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
]
