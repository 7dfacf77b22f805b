"""The back office's typed settings, read once from the environment (settings.py's `BACKOFFICE`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from authgw import env

# Admin sections, by the model label of their table.
USERS = "usermanager.user"
UMS_CONFIGURATIONS = "usermanager.umsconfiguration"


@dataclass(frozen=True)
class BackofficeSettings:
    # BACKOFFICE_TITLE: the header and the browser title.
    title: str = "Backoffice"
    # BACKOFFICE_USERS_EXPRESSION: who sees the Users table (acl expression language).
    users_expression: str = "groups.admin"
    # BACKOFFICE_UMS_CONFIGURATIONS_EXPRESSION: who sees the UMS-configurations table.
    ums_configurations_expression: str = "groups.admin"

    @property
    def section_expressions(self) -> Mapping[str, str]:
        return {
            USERS: self.users_expression,
            UMS_CONFIGURATIONS: self.ums_configurations_expression,
        }


# The environment variable behind each section's expression (for error messages).
EXPRESSION_VARIABLES: Mapping[str, str] = {
    USERS: "BACKOFFICE_USERS_EXPRESSION",
    UMS_CONFIGURATIONS: "BACKOFFICE_UMS_CONFIGURATIONS_EXPRESSION",
}


def from_env() -> BackofficeSettings:
    # Section expressions use the acl expression language (`groups.admin`, `permissions.x`, ...);
    # one that does not compile stops start-up, naming its variable (backoffice.sections).
    return BackofficeSettings(
        title=env.env_str("BACKOFFICE_TITLE", "Backoffice"),
        users_expression=env.env_str("BACKOFFICE_USERS_EXPRESSION", "groups.admin"),
        ums_configurations_expression=env.env_str(
            "BACKOFFICE_UMS_CONFIGURATIONS_EXPRESSION", "groups.admin"
        ),
    )
