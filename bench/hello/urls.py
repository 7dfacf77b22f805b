"""One route: every path answers a small JSON body, as the authgw rows' upstream does."""

from django.http import HttpRequest, HttpResponse
from django.urls import re_path


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b'{"hello":"world"}', content_type="application/json")


urlpatterns = [re_path(r"", hello)]
