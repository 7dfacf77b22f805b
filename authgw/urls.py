"""Root URL configuration: status routes at the root, the product's routes under SERVICE_PREFIX."""

from django.conf import settings
from django.urls import include, path

product_urlpatterns: list = [
    # Each app adds its include() here.
    path("", include("acl.urls")),
    # The UMS /userinfo (auth0client's user merged with the local record) wins over auth0client's.
    path("", include("usermanager.userinfo_urls")),
    # Console SSO for extensions (issue 16): 404 while CONSOLE_URL is unset.
    path("", include("auth0client.console.urls")),
    # auth0client before usermanager: its /users/me must win over /users/<id>.
    path("", include("auth0client.urls")),
    path("", include("usermanager.urls")),
    path("", include("authgw.login.urls")),
    path("", include("backoffice.urls")),
    # Last: the gateway proxies only what none of authgw's own routes serves.
    path("", include("gateway.urls")),
]

prefix = f"{settings.SERVICE_PREFIX}/" if settings.SERVICE_PREFIX else ""

urlpatterns = [
    path("", include("authgw.status.urls")),
    path(prefix, include(product_urlpatterns)),
]

handler400 = "authgw.errors.bad_request"
handler403 = "authgw.errors.permission_denied"
handler404 = "authgw.errors.page_not_found"
handler500 = "authgw.errors.server_error"
