"""UMS `/userinfo` (the Auth0 user merged with the local record) and `/users/me` (auth0client's
answer under the same blocked-or-not-PUBLIC rule), mounted ahead of auth0client's."""

from django.urls import path

from usermanager.views.identity import UserinfoApi
from usermanager.views.me import UserMeApi

app_name = "usermanager-userinfo"

urlpatterns = [
    path("userinfo", UserinfoApi.as_view(), name="userinfo"),
    path("users/me", UserMeApi.as_view(), name="users-me"),
]
