"""The product's routes plus `/console-area`, a protected page that shows who the acl let in."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from authgw import urls as product


def console_area(request: HttpRequest) -> JsonResponse:
    acl = request.acl
    return JsonResponse(
        {
            "user_id": acl.user_id if acl else None,
            "groups": sorted(acl.groups) if acl else [],
            "permissions": sorted(acl.permissions) if acl else [],
        }
    )


urlpatterns = [path("console-area", console_area), *product.urlpatterns]

handler400 = product.handler400
handler403 = product.handler403
handler404 = product.handler404
handler500 = product.handler500
