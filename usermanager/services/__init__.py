"""usermanager's writes: every change to a user reaches Auth0 and the database, or neither."""

from usermanager.services.configurations import (
    ums_configuration_create,
    ums_configuration_delete,
    ums_configuration_ensure,
    ums_configuration_update,
)
from usermanager.services.states import user_soft_delete, users_change_state
from usermanager.services.users import (
    user_change_password,
    user_create,
    user_delete,
    user_link,
    user_register,
    user_update,
)

__all__ = [
    "ums_configuration_create",
    "ums_configuration_delete",
    "ums_configuration_ensure",
    "ums_configuration_update",
    "user_change_password",
    "user_create",
    "user_delete",
    "user_link",
    "user_register",
    "user_soft_delete",
    "user_update",
    "users_change_state",
]
