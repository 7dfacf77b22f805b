"""The back office's errors."""

from __future__ import annotations

from authgw.errors import ForbiddenError


class UnusableIdentityError(ForbiddenError):
    """An SSO identity the back office cannot map to a Django user."""
