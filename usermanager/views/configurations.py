"""The UMS configurations REST API: one configuration per userGroup."""

from __future__ import annotations

from http import HTTPStatus

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from usermanager import selectors, services
from usermanager.serializers import ConfigurationFieldsSerializer, ConfigurationOutputSerializer
from usermanager.views.schema import with_errors
from usermanager.views.users import NO_CONTENT, JsonApi, valid_input


class ConfigurationListApi(JsonApi):
    @extend_schema(
        operation_id="ums_configurations_list",
        responses=with_errors(ConfigurationOutputSerializer(many=True)),
    )
    def get(self, request: Request) -> Response:
        configurations = selectors.ums_configuration_list()
        return Response(ConfigurationOutputSerializer(configurations, many=True).data)

    @extend_schema(
        operation_id="ums_configurations_create",
        request=ConfigurationFieldsSerializer,
        responses=with_errors({HTTPStatus.CREATED: ConfigurationOutputSerializer}),
    )
    def post(self, request: Request) -> Response:
        data = valid_input(ConfigurationFieldsSerializer, request.data).validated_data
        configuration = services.ums_configuration_create(data=data)
        return Response(
            ConfigurationOutputSerializer(configuration).data, status=HTTPStatus.CREATED
        )


class ConfigurationDetailApi(JsonApi):
    @extend_schema(
        operation_id="ums_configurations_get", responses=with_errors(ConfigurationOutputSerializer)
    )
    def get(self, request: Request, configuration_id: str) -> Response:
        configuration = selectors.ums_configuration_get(configuration_id=configuration_id)
        return Response(ConfigurationOutputSerializer(configuration).data)

    @extend_schema(
        operation_id="ums_configurations_update",
        request=ConfigurationFieldsSerializer(partial=True),
        responses=with_errors(ConfigurationOutputSerializer),
    )
    def patch(self, request: Request, configuration_id: str) -> Response:
        data = valid_input(ConfigurationFieldsSerializer, request.data, partial=True).validated_data
        configuration = services.ums_configuration_update(
            configuration_id=configuration_id, data=data
        )
        return Response(ConfigurationOutputSerializer(configuration).data)

    @extend_schema(
        operation_id="ums_configurations_delete",
        responses=with_errors({HTTPStatus.NO_CONTENT: NO_CONTENT}),
    )
    def delete(self, request: Request, configuration_id: str) -> Response:
        services.ums_configuration_delete(configuration_id=configuration_id)
        return Response(status=HTTPStatus.NO_CONTENT)
