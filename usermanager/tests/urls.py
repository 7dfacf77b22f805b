"""The product's routes with the UMS /userinfo in front (as authgw.urls would mount it)."""

from django.urls import include, path

from authgw.urls import handler404, handler500  # noqa: F401
from authgw.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("", include("usermanager.userinfo_urls")), *product_urlpatterns]
