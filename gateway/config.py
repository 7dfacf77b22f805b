"""The gateway's typed configuration, read once from the environment (`from_env`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from authgw import env


@dataclass(frozen=True)
class GatewaySettings:
    # GATEWAY_ROUTES_FILE: unset means no proxying (authgw only decides and signs users in).
    routes_file: Path | None = None
    # Connections kept open per upstream host and process (urllib3 PoolManager maxsize).
    pool_maxsize: int = 32


def from_env() -> GatewaySettings:
    return GatewaySettings(
        # Unset: no proxying. Set: endpoints (basePath -> upstream), reloaded like auth.json.
        routes_file=env.env_path("GATEWAY_ROUTES_FILE"),
        pool_maxsize=env.env_int("GATEWAY_POOL_MAXSIZE", 32, minimum=1),
    )
