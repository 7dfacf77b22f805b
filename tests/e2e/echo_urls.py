"""Test-only URLconf: the product's own routes plus `/echo`, which shows what reached a view."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from acl.services import upstream_headers_for
from authgw import urls as product

# Any META key holding one of these could carry a client's claim about who it is.
IDENTITY_MARKERS = ("MIA", "CLIENT_TYPE", "ISBACKOFFICE")
PROBE = "HTTP_X_CUSTOM_PROBE"  # an ordinary header: shows what the server let through


def echo(request: HttpRequest) -> JsonResponse:
    acl = request.acl
    meta = sorted(
        key
        for key in request.META
        if key.startswith("HTTP_") and any(marker in key for marker in IDENTITY_MARKERS)
    )
    return JsonResponse(
        {
            "meta": meta,
            "probe": request.META.get(PROBE),
            "user_id": acl.user_id if acl else None,
            "groups": sorted(acl.groups) if acl else [],
            "client_type": acl.client_type if acl else None,
            "is_backoffice": acl.is_backoffice if acl else None,
            "upstream": upstream_headers_for(request),
        }
    )


urlpatterns = [path("echo", echo), *product.urlpatterns]

handler400 = product.handler400
handler403 = product.handler403
handler404 = product.handler404
handler500 = product.handler500
