"""usermanager's typed settings, read once from the environment (settings.py's `USERMANAGER`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from authgw import env

# UMS_UNLINKED_USERS: who an Auth0 user with no local record is (README "Who is signed in").
UNLINKED_CLAIMS = "claims"  # signed in with the token's groups and permissions
UNLINKED_PROVISION = "provision"  # a local record is created in UMS_PROVISION_GROUP
UNLINKED_ANONYMOUS = "anonymous"  # not signed in (Mia-Platform's UMS: only local users exist)
UNLINKED_USERS_MODES = (UNLINKED_CLAIMS, UNLINKED_PROVISION, UNLINKED_ANONYMOUS)


@dataclass(frozen=True)
class UserManagerSettings:
    # AUTH_HARD_DELETE: delete the Auth0 user (true) or only block it (false).
    auth_hard_delete: bool = True
    # RANDOM_PWD_LENGTH: the generated password when a user is created without one.
    random_password_length: int = 24
    # USERINFO_ADDITIONAL_PROPERTIES: local fields added to /userinfo; None means all of them.
    userinfo_additional_properties: tuple[str, ...] | None = None
    # PERMISSIONS_RESOLVER: dotted path of `f(user) -> Iterable[str]`, extra permissions.
    permissions_resolver: str = ""
    # PERMISSIONS_CACHE_SECONDS: how long a merged identity (groups, permissions) is reused.
    permissions_cache_s: int = 5
    # UMS_BASE_USER_RESOLVER: the resolver whose identity UmsUserResolver merges.
    base_user_resolver: str = "auth0client.resolvers.SessionUserResolver"
    # After a timeout or 5xx from Auth0, look again after each of these delays (seconds).
    recheck_delays_s: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0)
    # AUTH0_POST_LOGIN_HOOK_SECRET: the shared secret of POST /hooks/auth0/post-login.
    post_login_hook_secret: str = ""
    # AUTH0_PASSWORD_HOOK_SECRET (else AUTH0_POST_LOGIN_HOOK_SECRET): the shared secret of
    # POST /hooks/auth0/post-change-password.
    password_hook_secret: str = ""
    # UMS_UNLINKED_USERS: one of UNLINKED_USERS_MODES.
    unlinked_users: str = UNLINKED_CLAIMS
    # UMS_PROVISION_GROUP: the userGroup of the records `provision` creates.
    provision_group: str = ""


@dataclass(frozen=True)
class HookSecrets:
    """The Auth0 hooks' shared secrets as set ("" when unset); the emulator falls back to them."""

    post_login: str  # AUTH0_POST_LOGIN_HOOK_SECRET
    password: str  # AUTH0_PASSWORD_HOOK_SECRET


def hook_secrets_from_env() -> HookSecrets:
    return HookSecrets(
        post_login=env.env_str("AUTH0_POST_LOGIN_HOOK_SECRET", ""),
        password=env.env_str("AUTH0_PASSWORD_HOOK_SECRET", ""),
    )


def from_env(*, hook_secrets: HookSecrets) -> UserManagerSettings:
    # USERINFO_ADDITIONAL_PROPERTIES: unset = every local field, "" = none, else a comma list.
    properties = env.env_list("USERINFO_ADDITIONAL_PROPERTIES", ("*",))
    unlinked_users = env.env_choice("UMS_UNLINKED_USERS", UNLINKED_CLAIMS, UNLINKED_USERS_MODES)
    provision_group = env.env_str("UMS_PROVISION_GROUP", "")
    if unlinked_users == UNLINKED_PROVISION and not provision_group:
        raise ImproperlyConfigured(
            "UMS_PROVISION_GROUP: required when UMS_UNLINKED_USERS=provision (the userGroup of the "
            "local records created at first sign-in)"
        )
    return UserManagerSettings(
        auth_hard_delete=env.env_bool("AUTH_HARD_DELETE", default=True),
        random_password_length=env.env_int("RANDOM_PWD_LENGTH", 24, minimum=8),
        userinfo_additional_properties=None if properties == ("*",) else properties,
        permissions_resolver=env.env_str("PERMISSIONS_RESOLVER", ""),
        permissions_cache_s=env.env_int("PERMISSIONS_CACHE_SECONDS", 5, minimum=0),
        base_user_resolver=env.env_str(
            "UMS_BASE_USER_RESOLVER", "auth0client.resolvers.SessionUserResolver"
        ),
        post_login_hook_secret=hook_secrets.post_login,
        # One secret may serve both hooks (an Auth0 tenant usually keeps one per backend).
        password_hook_secret=hook_secrets.password or hook_secrets.post_login,
        unlinked_users=unlinked_users,
        provision_group=provision_group,
    )
