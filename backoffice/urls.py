"""`/backoffice/`: the admin; `/backoffice` (where the seed's sign-out chain ends) redirects."""

from django.urls import path
from django.views.generic import RedirectView

from backoffice.site import site

urlpatterns = [
    path("backoffice", RedirectView.as_view(pattern_name="backoffice:index")),
    path("backoffice/", site.urls),
]
