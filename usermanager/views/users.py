"""The users REST API (Mia-Platform User Manager Service paths): parse, call one service, render."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from usermanager import selectors, services
from usermanager.errors import InvalidDocumentError
from usermanager.serializers import (
    PageSerializer,
    StrictCharField,
    StrictEmailField,
    UserCreateSerializer,
    UserFieldsSerializer,
    UserFilterSerializer,
    UserOutputSerializer,
    filters_from,
)
from usermanager.views.parsers import StorableJSONParser
from usermanager.views.schema import with_errors

NO_CONTENT = OpenApiResponse(description="Done; the body is empty.")


class JsonApi(APIView):
    # JSON only: a cross-site HTML form cannot send it without a CORS preflight.
    parser_classes = (StorableJSONParser,)


def valid_input(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> Any:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


class UserListApi(JsonApi):
    @extend_schema_serializer(component_name="UserCreateQuery")
    class CreateQuerySerializer(serializers.Serializer):
        postponeAuthUserCreation = serializers.BooleanField(default=False)  # noqa: N815
        sendResetPwdEmail = serializers.BooleanField(default=False)  # noqa: N815

    @extend_schema(
        operation_id="users_list",
        parameters=[PageSerializer],
        responses=with_errors(UserOutputSerializer(many=True)),
        description="Users in creation order; the total that match is in `X-Total-Count`.",
    )
    def get(self, request: Request) -> Response:
        query = valid_input(PageSerializer, request.query_params)
        page = query.validated_data
        users, total = selectors.user_list(
            filters=filters_from(page), limit=page["_l"], skip=page["_sk"]
        )
        body = UserOutputSerializer(users, many=True).data
        return Response(body, headers={"X-Total-Count": str(total)})

    @extend_schema(
        operation_id="users_create",
        parameters=[CreateQuerySerializer],
        request=UserCreateSerializer,
        responses=with_errors({HTTPStatus.CREATED: UserOutputSerializer}),
    )
    def post(self, request: Request) -> Response:
        query = valid_input(self.CreateQuerySerializer, request.query_params).validated_data
        data = dict(valid_input(UserCreateSerializer, request.data).validated_data)
        user = services.user_create(
            data=data,
            password=data.pop("password", None),
            postpone_auth_user_creation=query["postponeAuthUserCreation"],
            send_reset_password_email=query["sendResetPwdEmail"],
        )
        return Response(UserOutputSerializer(user).data, status=HTTPStatus.CREATED)


class UserCountApi(JsonApi):
    @extend_schema(
        operation_id="users_count", parameters=[UserFilterSerializer], responses=with_errors(int)
    )
    def get(self, request: Request) -> Response:
        query = valid_input(UserFilterSerializer, request.query_params).validated_data
        return Response(selectors.user_count(filters=filters_from(query)))


class UserDetailApi(JsonApi):
    @extend_schema(operation_id="users_get", responses=with_errors(UserOutputSerializer))
    def get(self, request: Request, user_id: str) -> Response:
        return Response(UserOutputSerializer(selectors.user_get(user_id=user_id)).data)

    @extend_schema(
        operation_id="users_update",
        request=UserFieldsSerializer(partial=True),
        responses=with_errors(UserOutputSerializer),
        description='A partial body, or `{"$set": {...}, "$unset": {...}}`.',
    )
    def patch(self, request: Request, user_id: str) -> Response:
        values, unset = _patch_body(request.data)
        user = services.user_update(user_id=user_id, values=values, unset=unset)
        return Response(UserOutputSerializer(user).data)

    @extend_schema(
        operation_id="users_delete", responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT})
    )
    def delete(self, request: Request, user_id: str) -> Response:
        services.user_delete(user_id=user_id)
        return Response(status=HTTPStatus.NO_CONTENT)


def _patch_body(data: Any) -> tuple[dict[str, Any], frozenset[str]]:
    if not isinstance(data, Mapping):
        raise InvalidDocumentError("The body must be a JSON object.")
    operators = {key for key in data if key.startswith("$")}
    if operators - {"$set", "$unset"} or (operators and len(operators) != len(data)):
        raise InvalidDocumentError('Use plain fields, or only "$set" and "$unset".')
    values = data.get("$set", {}) if operators else data
    if not isinstance(values, Mapping):
        raise InvalidDocumentError("$set: must be an object of fields.")
    unset = data.get("$unset", {})
    if not isinstance(unset, Mapping | list) or not all(isinstance(f, str) for f in unset):
        raise InvalidDocumentError("$unset: must be an object or a list of field names.")
    checked = valid_input(UserFieldsSerializer, values, partial=True).validated_data
    return dict(checked), frozenset(unset)


class UserRegisterApi(JsonApi):
    @extend_schema_serializer(component_name="UserRegisterInput")
    class InputSerializer(serializers.Serializer):
        _id = serializers.CharField()
        password = serializers.CharField(required=False, trim_whitespace=False, max_length=128)

    @extend_schema(
        operation_id="users_register",
        parameters=[UserListApi.CreateQuerySerializer],
        request=InputSerializer,
        responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT}),
    )
    def post(self, request: Request) -> Response:
        query = valid_input(UserListApi.CreateQuerySerializer, request.query_params).validated_data
        data = valid_input(self.InputSerializer, request.data).validated_data
        services.user_register(
            user_id=data["_id"],
            password=data.get("password"),
            send_reset_password_email=query["sendResetPwdEmail"],
        )
        return Response(status=HTTPStatus.NO_CONTENT)


class UserLinkApi(JsonApi):
    @extend_schema_serializer(component_name="UserLinkInput")
    class InputSerializer(UserFieldsSerializer):
        email = StrictEmailField(max_length=254, required=False)
        authUserId = StrictCharField(max_length=255)  # noqa: N815

    @extend_schema(
        operation_id="users_link",
        request=InputSerializer,
        responses=with_errors({HTTPStatus.CREATED: UserOutputSerializer}),
    )
    def post(self, request: Request) -> Response:
        data = dict(valid_input(self.InputSerializer, request.data).validated_data)
        user = services.user_link(auth_user_id=data.pop("authUserId"), data=data)
        return Response(UserOutputSerializer(user).data, status=HTTPStatus.CREATED)


class UserStateApi(JsonApi):
    @extend_schema_serializer(component_name="UserStateInput")
    class InputSerializer(serializers.Serializer):
        filter = UserFilterSerializer()
        stateTo = serializers.CharField()  # noqa: N815

    @extend_schema(
        operation_id="users_state",
        request=InputSerializer,
        responses=with_errors(int),
        description="Moves the matching users (a list of such bodies is accepted too); "
        "answers how many moved.",
    )
    def post(self, request: Request) -> Response:
        bodies = request.data if isinstance(request.data, list) else [request.data]
        moved = 0
        for body in bodies:
            data = valid_input(self.InputSerializer, body).validated_data
            moved += services.users_change_state(
                filters=filters_from(data["filter"]), state_to=data["stateTo"]
            )
        return Response(moved)


class UserSoftDeleteApi(JsonApi):
    @extend_schema(
        operation_id="users_soft_delete",
        request=None,
        responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT}),
    )
    def post(self, request: Request, user_id: str) -> Response:
        services.user_soft_delete(user_id=user_id)
        return Response(status=HTTPStatus.NO_CONTENT)


class UserChangePasswordApi(JsonApi):
    @extend_schema_serializer(component_name="UserChangePasswordInput")
    class InputSerializer(serializers.Serializer):
        authUserId = serializers.CharField(max_length=255)  # noqa: N815

    @extend_schema(
        operation_id="users_change_password",
        request=InputSerializer,
        responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT}),
    )
    def post(self, request: Request) -> Response:
        data = valid_input(self.InputSerializer, request.data).validated_data
        services.user_change_password(auth_user_id=data["authUserId"])
        return Response(status=HTTPStatus.NO_CONTENT)
