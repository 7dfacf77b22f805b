"""UMS_UNLINKED_USERS=provision: the local record of an Auth0 user, made at its first sign-in."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from authgw.errors import BadRequestError, ConflictError, NotFoundError
from usermanager.models import User
from usermanager.selectors import user_by_auth_user_id
from usermanager.services import mirror
from usermanager.services.users import user_link

logger = logging.getLogger(__name__)

# What a provisioning refusal looks like: the user stays anonymous. Auth0 or the database being
# unavailable (502, 503) is not a refusal: it propagates, and the caller fails closed with 503.
_REFUSALS = (BadRequestError, NotFoundError, ConflictError)


def user_provision(*, auth_user_id: str) -> User | None:
    """Links the Auth0 user to a new local record in UMS_PROVISION_GROUP (no Auth0 user is
    created: the existing one is linked, as POST /users/with-id does).

    None when it cannot be made (the group's crudSchema, a taken email, the Auth0 user blocked or
    gone): the refusal is logged and remembered for PERMISSIONS_CACHE_SECONDS.
    """
    refused_key = f"usermanager:provision-refused:{auth_user_id}"
    if cache.get(refused_key):
        return None
    group = settings.USERMANAGER.provision_group
    try:
        return _link(auth_user_id, group)
    except _REFUSALS as exc:
        # Two first requests at once: the other one linked it.
        linked = user_by_auth_user_id(auth_user_id=auth_user_id)
        if linked is not None:
            return linked
        logger.warning(
            "UMS_UNLINKED_USERS=provision: no local record for %s in group %r, so the user is "
            "anonymous: %s",
            auth_user_id,
            group,
            exc.message,
        )
    if settings.USERMANAGER.permissions_cache_s:
        cache.set(refused_key, True, timeout=settings.USERMANAGER.permissions_cache_s)
    return None


def _link(auth_user_id: str, group: str) -> User:
    # A blocked Auth0 user holding a token that is still valid is not given a record: linking
    # would mirror the new record's `blocked: false` to Auth0 and unblock it.
    if mirror.client().user_get(auth_user_id).blocked:
        raise ConflictError(f"The Auth0 user {auth_user_id} is blocked.")
    user = user_link(data={"userGroup": group}, auth_user_id=auth_user_id)
    logger.info("UMS_UNLINKED_USERS=provision: user %s created for %s", user.id, auth_user_id)
    return user
