"""The forward-auth endpoint: `/auth` and every path under `/auth/`, any method."""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from acl.forward_auth import forward_auth_answer, original_request
from authgw.errors import ApiError, error_response


@csrf_exempt
def forward_auth(request: HttpRequest, suffix: str = "") -> HttpResponse:
    try:
        answer = forward_auth_answer(request, original_request(request, suffix))
    except ApiError as exc:  # 400 (which request?) or 503 (cannot tell who): never a pass
        response = error_response(request, exc.status, exc.message, headers=exc.headers, html=False)
        response["mia-allowed"] = "0"
    else:
        if answer.status == HTTPStatus.OK:
            response = HttpResponse(status=HTTPStatus.OK, headers=answer.headers)
        else:
            # JSON even for browsers: the gateway, not this endpoint, redirects to the login page.
            response = error_response(
                request, answer.status, answer.message, headers=answer.headers, html=False
            )
    response["Cache-Control"] = "no-store"
    return response
