"""The post-login hook: the seam where a business backend adds groups and permissions to tokens.

When configured (`--post-login-hook-url`, `--post-login-hook-secret`), every token issued for a
user calls `POST <url>` with `{"user_id": "auth0|..."}` and the header `X-Hook-Secret: <secret>`.
The JSON object it answers (e.g. `{"groups": [...], "permissions": [...], "customerId": "..."}`)
is merged into the `<namespace>app_metadata` claim of the ID and access tokens, as an Auth0
post-login Action calling an API would do. A 404 answer (the backend does not know the user) adds
nothing; any other failure denies the login (fail closed).

The post-change-password hook (`--password-hook-url`, `--password-hook-secret`): after every
password change (Management API `PATCH /api/v2/users/{id}` with `password`, a used change-password
ticket) the emulator calls `POST <url>` with the same body and header, so that the backend can end
the user's sessions. Like Auth0's post-change-password trigger it does not block: it runs in the
background after the change is answered, and a failure is only logged.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostLoginHook:
    url: str
    secret: str
    timeout_s: float = 5.0

    def call(self, user_id: str) -> dict[str, Any] | None:
        """The hook's answer, or None when it fails or answers something else than an object."""
        try:
            response = _post(self.url, self.secret, user_id, self.timeout_s)
            if response.status_code == 404:
                return {}
            answer = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError) as exc:
            logger.warning("post-login hook %s failed: %s", self.url, exc.__class__.__name__)
            return None
        if not isinstance(answer, dict):
            logger.warning("post-login hook %s answered %s", self.url, response.status_code)
            return None
        return answer


@dataclass(frozen=True)
class PasswordChangeHook:
    url: str
    secret: str
    timeout_s: float = 5.0

    def notify(self, user_id: str) -> threading.Thread:
        """Calls the hook in the background (Auth0's post-change-password Actions do not block
        the change); returns the thread, for tests that want to wait for it."""
        thread = threading.Thread(
            target=self.call, args=(user_id,), name="password-hook", daemon=True
        )
        thread.start()
        return thread

    def call(self, user_id: str) -> bool:
        """True when the backend accepted the call (a 2xx answer); a failure is logged."""
        try:
            response = _post(self.url, self.secret, user_id, self.timeout_s)
        except requests.RequestException as exc:
            logger.warning("password hook %s failed: %s", self.url, exc.__class__.__name__)
            return False
        if not response.ok:
            logger.warning("password hook %s answered %s", self.url, response.status_code)
        return response.ok


def _post(url: str, secret: str, user_id: str, timeout_s: float) -> requests.Response:
    """Both hooks' request: the Auth0 user id, authenticated by the shared secret."""
    return requests.post(
        url, json={"user_id": user_id}, headers={"X-Hook-Secret": secret}, timeout=timeout_s
    )
