"""The emulator's defaults as read from the environment by `authgw/settings.py` (no Django here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EmulatorSettings:
    data_file: Path
    post_login_hook_url: str | None = None
    post_login_hook_secret: str = ""
    password_hook_url: str | None = None
    password_hook_secret: str = ""
