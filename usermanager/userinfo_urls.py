"""UMS `/userinfo` (the Auth0 user merged with the local record), mounted ahead of auth0client's."""

from django.urls import path

from usermanager.views.identity import UserinfoApi

app_name = "usermanager-userinfo"

urlpatterns = [
    path("userinfo", UserinfoApi.as_view(), name="userinfo"),
]
