"""A config.json for a real tenant (not the demo's secrets): what `check --deploy` accepts."""

from __future__ import annotations

import json
from pathlib import Path

from auth0client.config import default_config_document


def write_tenant_config(directory: Path) -> Path:
    """The emulator's demo config with its own secrets; returns the SERVICE_CONFIG_PATH."""
    document = default_config_document()
    for client in document["clients"].values():
        client["clientSecret"] = "a-tenant-secret-not-the-demo-one"
    document["managementClient"]["clientSecret"] = "a-management-secret-not-the-demo-one"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(document), encoding="utf-8")
    return directory
