"""authgw's own process settings, read by both settings.py and gunicorn.conf.py (no Django setup).

gunicorn's master reads them before any worker loads Django, so both sides validate HTTP_PORT,
DELAY_SHUTDOWN_SECONDS and LOG_LEVEL with the same readers and name the same variable.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from authgw import env
from authgw.logging import LOG_LEVELS

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ServerSettings:
    http_host: str
    http_port: int
    workers: int  # gunicorn's threaded workers, and the threads of each
    threads: int
    # Between SIGTERM (/-/ready answers 503) and stopping the workers.
    delay_shutdown_s: int
    log_level: str  # a key of authgw.logging.LOG_LEVELS

    @property
    def bind(self) -> str:
        return f"{self.http_host}:{self.http_port}"


def server_from_env() -> ServerSettings:
    return ServerSettings(
        # A container listens on all interfaces.
        http_host=env.env_str("HTTP_HOST", "0.0.0.0"),  # noqa: S104
        http_port=env.env_int("HTTP_PORT", 8080, minimum=1),
        workers=env.env_int("GUNICORN_WORKERS", 2, minimum=1),
        threads=env.env_int("GUNICORN_THREADS", 8, minimum=1),
        delay_shutdown_s=env.env_int("DELAY_SHUTDOWN_SECONDS", 10, minimum=0),
        log_level=env.env_choice("LOG_LEVEL", "info", tuple(LOG_LEVELS)),
    )


def trusted_proxies_from_env() -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES: the CIDR list of peers that may set X-Forwarded-Proto/-Host/-For."""
    try:
        return tuple(
            ipaddress.ip_network(entry, strict=False)
            for entry in env.env_list("TRUSTED_PROXIES", ("127.0.0.1/32", "::1/128"))
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from None
