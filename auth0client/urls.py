"""URLs of the Auth0 Client endpoints (Mia-Platform's paths)."""

from django.urls import path

from auth0client import views

app_name = "auth0client"

urlpatterns = [
    path("authorize", views.authorize, name="authorize"),
    path("oauth/token", views.OAuthTokenApi.as_view(), name="token"),
    path("refreshtoken", views.RefreshTokenApi.as_view(), name="refresh"),
    path("userinfo", views.UserinfoApi.as_view(), name="userinfo"),
    path("users/me", views.UserinfoApi.as_view(), name="users-me"),
    path("logout", views.logout_view, name="logout"),
]
