"""The post-login hook: the seam where a business backend adds groups and permissions to tokens.

When configured (`--post-login-hook-url`, `--post-login-hook-secret`), every token issued for a
user calls `POST <url>` with `{"user_id": "auth0|..."}` and the header `X-Hook-Secret: <secret>`.
The JSON object it answers (e.g. `{"groups": [...], "permissions": [...], "customerId": "..."}`)
is merged into the `<namespace>app_metadata` claim of the ID and access tokens, as an Auth0
post-login Action calling an API would do. A 404 answer (the backend does not know the user) adds
nothing; any other failure denies the login (fail closed).
"""

from __future__ import annotations

import logging
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
            response = requests.post(
                self.url,
                json={"user_id": user_id},
                headers={"X-Hook-Secret": self.secret},
                timeout=self.timeout_s,
            )
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
