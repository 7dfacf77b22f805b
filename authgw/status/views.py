"""Status routes (/-/healthz, /-/ready, /-/check-up): never behind authentication."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from authgw.errors import error_body
from authgw.status.checks import run_checks


def _identity() -> dict[str, str]:
    return {"name": settings.SERVICE_NAME, "version": settings.SERVICE_VERSION}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "OK", **_identity()})


def _readiness(*, include_checkup: bool) -> JsonResponse:
    results = run_checks(include_checkup=include_checkup)
    checks = {name: "OK" if reason is None else "KO" for name, reason in results.items()}
    failures = {name: reason for name, reason in results.items() if reason is not None}
    if not failures:
        return JsonResponse({"status": "OK", **_identity(), "checks": checks})
    message = "Not ready: " + "; ".join(f"{name}: {reason}" for name, reason in failures.items())
    body = error_body(HTTPStatus.SERVICE_UNAVAILABLE, message)
    return JsonResponse(
        {**body, "status": "KO", **_identity(), "checks": checks},
        status=HTTPStatus.SERVICE_UNAVAILABLE,
    )


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    return _readiness(include_checkup=False)


@never_cache
@require_safe
def check_up(request: HttpRequest) -> JsonResponse:
    return _readiness(include_checkup=True)
