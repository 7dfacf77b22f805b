"""A catch-all view that shows what the acl let through (for the middleware tests)."""

from django.http import HttpRequest, JsonResponse
from django.urls import re_path

SHOWN_HEADERS = ("miauserid", "miausergroups", "miauserproperties", "client-type", "isbackoffice")


def echo(request: HttpRequest, rest: str = "") -> JsonResponse:
    acl = request.acl
    return JsonResponse({
        "path": request.path,
        "path_info": request.path_info,
        "acl": None if acl is None else {
            "user_id": acl.user_id,
            "groups": sorted(acl.groups),
            "permissions": sorted(acl.permissions),
            "properties": dict(acl.properties),
            "client_type": acl.client_type,
            "is_backoffice": acl.is_backoffice,
            "matched_rule": acl.matched_rule,
        },
        "headers": {name: request.headers.get(name) for name in SHOWN_HEADERS},
        "meta": sorted(key for key in request.META if key.startswith("HTTP_MIA")),
    })


urlpatterns = [re_path(r"^(?P<rest>.*)$", echo)]
