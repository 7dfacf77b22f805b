"""One request id everywhere: every log line written while a request is served carries it."""

from __future__ import annotations

import logging
from http import HTTPStatus

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import path

from authgw.request_context import (
    current_request_id,
    request_id_bound,
    with_request_id,
)
from authgw.tests.log_capture import json_log_lines

# Any logger at all, not one the middleware knows about: the id comes from the context.
service_logger = logging.getLogger("usermanager.services.request_context_test")


def logging_view(request: HttpRequest) -> HttpResponse:
    service_logger.warning("doing the work")
    return HttpResponse(status=HTTPStatus.NO_CONTENT)


urlpatterns = [path("work", logging_view)]


@pytest.fixture
def log_lines(settings):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("acl.")]
    with json_log_lines() as lines:
        yield lines


def lines_of(log_lines, logger_name):
    return [line for line in log_lines() if line["logger"] == logger_name]


def test_a_line_of_any_logger_written_while_serving_carries_the_callers_request_id(
    client, log_lines
):
    response = client.get("/work", HTTP_X_REQUEST_ID="abc123")

    assert response.status_code == HTTPStatus.NO_CONTENT
    [line] = lines_of(log_lines, service_logger.name)
    assert line["request_id"] == "abc123"
    [access] = lines_of(log_lines, "authgw.access")
    assert access["request_id"] == "abc123"


@pytest.mark.parametrize(
    "incoming",
    [pytest.param({}, id="none"), pytest.param({"HTTP_X_REQUEST_ID": "bad id\r\n"}, id="insane")],
)
def test_without_a_sane_caller_id_the_lines_carry_the_generated_one_of_the_answer(
    client, log_lines, incoming
):
    response = client.get("/work", **incoming)

    [line] = lines_of(log_lines, service_logger.name)
    assert len(response["X-Request-Id"]) == 32
    assert line["request_id"] == response["X-Request-Id"]


def test_outside_a_request_a_line_has_no_request_id(client, log_lines):
    client.get("/work", HTTP_X_REQUEST_ID="abc123")

    service_logger.warning("after the request")

    assert current_request_id() is None
    [during, after] = lines_of(log_lines, service_logger.name)
    assert during["request_id"] == "abc123"
    assert after["msg"] == "after the request"
    assert "request_id" not in after


def test_binding_is_undone_when_the_block_ends_even_on_error():
    seen = []

    def serve():
        with request_id_bound("abc123"):
            seen.append(current_request_id())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        serve()

    assert seen == ["abc123"]
    assert current_request_id() is None


def test_outgoing_headers_carry_the_current_id_in_place_of_any_forwarded_one():
    forwarded = {"authorization": "Bearer t", "x-request-id": "bad id"}

    with request_id_bound("abc123"):
        inside = with_request_id(forwarded)

    assert inside == {"authorization": "Bearer t", "X-Request-Id": "abc123"}
    assert with_request_id(forwarded) == forwarded
