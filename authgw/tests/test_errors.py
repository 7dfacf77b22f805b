from http import HTTPStatus

import pytest

from authgw.errors import error_body

JSON = {"HTTP_ACCEPT": "application/json"}
HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


def test_error_body_uses_the_reason_phrase():
    assert error_body(403, "nope") == {"statusCode": 403, "error": "Forbidden", "message": "nope"}


def test_unknown_route_is_a_json_404_for_api_callers(client):
    response = client.get("/-/nothing-here", **JSON)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == error_body(404, "No route for /-/nothing-here.")


def test_unknown_route_is_a_small_page_for_browsers(client):
    response = client.get("/-/nothing-here", **HTML)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"].startswith("text/html")
    assert b"No route for /-/nothing-here." in response.content


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.post("/-/healthz", **JSON)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == error_body(
        405, "Method POST is not allowed here; allowed: GET, HEAD."
    )
    assert response["Allow"] == "GET, HEAD"


@pytest.fixture
def raising_views(settings):
    settings.ROOT_URLCONF = "authgw.tests.urls"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("acl.")]


@pytest.mark.usefixtures("raising_views")
def test_api_error_renders_its_status_and_message(client):
    response = client.get("/api-error", **JSON)

    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == error_body(409, "The user already exists.")


@pytest.mark.usefixtures("raising_views")
def test_unexpected_error_is_a_500_without_details(client):
    response = client.get("/unexpected", **JSON)

    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == error_body(
        500, "An unexpected error occurred; quote the X-Request-Id when reporting it."
    )
    assert b"boom" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.usefixtures("raising_views")
def test_drf_validation_error_uses_the_same_shape(client):
    response = client.post(
        "/validating", {"email": "not-an-email"}, content_type="application/json"
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == error_body(400, "email: Enter a valid email address.")


@pytest.mark.usefixtures("raising_views")
def test_drf_method_not_allowed_uses_the_same_shape(client):
    response = client.get("/validating", **JSON)

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response.json() == error_body(405, 'Method "GET" not allowed.')
