"""The project package as an app: it owns the database cache table's migration."""

from django.apps import AppConfig


class AuthgwConfig(AppConfig):
    name = "authgw"
    verbose_name = "Identity and access gateway"
