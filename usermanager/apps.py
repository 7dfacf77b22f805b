"""Django app configuration for usermanager: its pluggable dotted paths are checked at start."""

from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class UserManagerConfig(AppConfig):
    name = "usermanager"

    def ready(self) -> None:
        # Config is read once, at start: a wrong dotted path stops the process, named.
        config = settings.USERMANAGER
        for variable, path in (
            ("PERMISSIONS_RESOLVER", config.permissions_resolver),
            ("UMS_BASE_USER_RESOLVER", config.base_user_resolver),
        ):
            if not path:
                continue
            try:
                import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"{variable}={path!r}: cannot import it ({exc})"
                ) from None
