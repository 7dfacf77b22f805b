"""The gateway's typed configuration, built once by settings.py from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GatewaySettings:
    # GATEWAY_ROUTES_FILE: unset means no proxying (authgw only decides and signs users in).
    routes_file: Path | None = None
    # Connections kept open per upstream host and process (urllib3 PoolManager maxsize).
    pool_maxsize: int = 32
