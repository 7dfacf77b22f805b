"""Views that raise, for the error-shape tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from authgw.errors import ConflictError


def raises_api_error(request: HttpRequest) -> HttpResponse:
    raise ConflictError("The user already exists.")


def raises_unexpected(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom: password=hunter2")


class ValidatingApi(APIView):
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    def post(self, request: Request) -> Response:
        self.InputSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({})


urlpatterns = [
    path("api-error", raises_api_error),
    path("unexpected", raises_unexpected),
    path("validating", ValidatingApi.as_view()),
]
