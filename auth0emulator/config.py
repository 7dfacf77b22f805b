"""The emulator's defaults (`manage.py auth0emulator`), read once from the environment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from authgw import env


@dataclass(frozen=True)
class EmulatorSettings:
    data_file: Path
    post_login_hook_url: str | None = None
    post_login_hook_secret: str = ""
    password_hook_url: str | None = None
    password_hook_secret: str = ""


class ProductHookSecrets(Protocol):
    """The product's hook secrets as set ("" when unset): usermanager.config.HookSecrets."""

    @property
    def post_login(self) -> str: ...  # AUTH0_POST_LOGIN_HOOK_SECRET

    @property
    def password(self) -> str: ...  # AUTH0_PASSWORD_HOOK_SECRET


def from_env(*, var_dir: Path, product_hook_secrets: ProductHookSecrets) -> EmulatorSettings:
    """The hook secrets fall back to the product's, so one variable configures both ends."""
    post_login_hook_secret = env.env_str(
        "AUTH0EMULATOR_POST_LOGIN_HOOK_SECRET", product_hook_secrets.post_login
    )
    return EmulatorSettings(
        data_file=Path(env.env_str("AUTH0EMULATOR_DATA_FILE", str(var_dir / "auth0emulator.json"))),
        post_login_hook_url=env.env_optional("AUTH0EMULATOR_POST_LOGIN_HOOK_URL"),
        post_login_hook_secret=post_login_hook_secret,
        # Auth0's post-change-password trigger. The secret falls back to what the product's hook
        # expects (AUTH0_PASSWORD_HOOK_SECRET), then to the post-login ones, in the same order.
        password_hook_url=env.env_optional("AUTH0EMULATOR_PASSWORD_HOOK_URL"),
        password_hook_secret=env.env_str(
            "AUTH0EMULATOR_PASSWORD_HOOK_SECRET",
            product_hook_secrets.password or post_login_hook_secret,
        ),
    )
