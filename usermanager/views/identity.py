"""UMS /userinfo and the Auth0 Action hooks: post-login claims (seed 003), post-change-password."""

from __future__ import annotations

import hmac
from http import HTTPStatus

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from usermanager.errors import HookAuthenticationError, HookDisabledError, UserNotFoundError
from usermanager.resolvers import UmsUserResolver
from usermanager.services.passwords import user_password_changed
from usermanager.userinfo import local_identity, post_login_claims
from usermanager.views.schema import with_errors
from usermanager.views.users import NO_CONTENT, JsonApi, valid_input

HOOK_HEADER = "X-Hook-Secret"

_CLAIMS = inline_serializer(
    "PostLoginClaims",
    {
        "groups": serializers.ListField(child=serializers.CharField()),
        "permissions": serializers.ListField(child=serializers.CharField()),
        "customerId": serializers.CharField(allow_null=True),
    },
)


class UserinfoApi(JsonApi):
    resolver = UmsUserResolver()

    @extend_schema(
        operation_id="userinfo",
        responses=with_errors(
            inline_serializer(
                "Userinfo",
                {
                    "sub": serializers.CharField(),
                    "groups": serializers.ListField(child=serializers.CharField()),
                    "permissions": serializers.ListField(child=serializers.CharField()),
                },
            )
        ),
        description="The Auth0 user merged with the local record (USERINFO_ADDITIONAL_PROPERTIES).",
    )
    def get(self, request: Request) -> Response:
        return Response(self.resolver.userinfo(request))


class PostLoginHookApi(JsonApi):
    @extend_schema_serializer(component_name="PostLoginHookInput")
    class InputSerializer(serializers.Serializer):
        user_id = serializers.CharField(max_length=255)

    @extend_schema(
        operation_id="hooks_auth0_post_login",
        request=InputSerializer,
        responses=with_errors(_CLAIMS),
        description=f"For an Auth0 post-login Action; authenticated by the `{HOOK_HEADER}` "
        "header (AUTH0_POST_LOGIN_HOOK_SECRET).",
    )
    def post(self, request: Request) -> Response:
        _check_secret(
            request.headers.get(HOOK_HEADER, ""),
            settings.USERMANAGER.post_login_hook_secret,
            "The post-login hook is disabled: set AUTH0_POST_LOGIN_HOOK_SECRET to enable it.",
        )
        user_id = valid_input(self.InputSerializer, request.data).validated_data["user_id"]
        local = local_identity(user_id)
        if local is None:
            raise UserNotFoundError(f"No user is linked to the Auth0 user {user_id}.")
        return Response(post_login_claims(local))


class PostChangePasswordHookApi(JsonApi):
    @extend_schema_serializer(component_name="PostChangePasswordHookInput")
    class InputSerializer(serializers.Serializer):
        user_id = serializers.CharField(max_length=255)

    @extend_schema(
        operation_id="hooks_auth0_post_change_password",
        request=InputSerializer,
        responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT}),
        description="For an Auth0 post-change-password Action: ends every session and token of "
        f"the user. Authenticated by the `{HOOK_HEADER}` header (AUTH0_PASSWORD_HOOK_SECRET, "
        "else AUTH0_POST_LOGIN_HOOK_SECRET).",
    )
    def post(self, request: Request) -> Response:
        _check_secret(
            request.headers.get(HOOK_HEADER, ""),
            settings.USERMANAGER.password_hook_secret,
            "The post-change-password hook is disabled: set AUTH0_PASSWORD_HOOK_SECRET "
            "(or AUTH0_POST_LOGIN_HOOK_SECRET) to enable it.",
        )
        user_id = valid_input(self.InputSerializer, request.data).validated_data["user_id"]
        user_password_changed(auth_user_id=user_id)
        return Response(status=HTTPStatus.NO_CONTENT)


def _check_secret(given: str, expected: str, disabled: str) -> None:
    """Fail closed: no configured secret refuses every call (403), a wrong one is a 401."""
    if not expected:
        raise HookDisabledError(disabled)
    # Constant time: the comparison must not tell how much of a guess was right.
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HookAuthenticationError(f"Missing or wrong {HOOK_HEADER} header.")
