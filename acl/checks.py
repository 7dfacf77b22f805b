"""`manage.py check`: the same errors that stop start-up, reported before it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from acl.api_keys import load_api_keys
from acl.errors import PolicyError
from acl.policy import load_policy
from acl.resolvers import load_in_process_resolver


def check_acl_files(**kwargs: Any) -> list[checks.CheckMessage]:
    config = settings.ACL
    messages: list[checks.CheckMessage] = []
    try:
        policy = load_policy(config.policy_path)
    except PolicyError as exc:
        messages.append(checks.Error(str(exc), id="acl.E001"))
    else:
        messages.extend(checks.Warning(warning, id="acl.W001") for warning in policy.warnings)
    try:
        load_api_keys(config.api_keys_file)
    except PolicyError as exc:
        messages.append(checks.Error(str(exc), id="acl.E002"))
    return messages


def check_user_resolver(**kwargs: Any) -> list[checks.CheckMessage]:
    config = settings.ACL
    if config.trust_mia_user_headers or config.userinfo_url:
        return []
    try:
        load_in_process_resolver(config.user_resolver)
    except (ImportError, TypeError) as exc:
        return [checks.Error(f"ACL_USER_RESOLVER: {exc}", id="acl.E003")]
    return []


def check_no_test_resolver(**kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: a test double must never decide who is calling."""
    config = settings.ACL
    if config.user_resolver.startswith("acl.testing.") and not config.userinfo_url:
        message = f"ACL_USER_RESOLVER={config.user_resolver}: a test double, never for deployment"
        return [checks.Error(message, id="acl.E004")]
    return []


def register() -> None:
    checks.register(check_acl_files, "acl")
    checks.register(check_user_resolver, "acl")
    checks.register(check_no_test_resolver, "acl", deploy=True)
