"""Console sign-in (state, callback, session), the /api/token proxy and Console bearer tokens.

The state mechanism is the Auth0 flow's (auth0client/services/login.py): a single-use,
high-entropy state stored server-side with a digest of a browser-binding cookie; the session is
created exactly like an Auth0 one (auth0client/sessions.py), under CONSOLE_CLIENT_TYPE.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from django.conf import settings

from auth0client import store
from auth0client.client import TokenSet
from auth0client.console.client import get_console_client
from auth0client.console.config import CONSOLE_CLIENT_TYPE, ConsoleConfig
from auth0client.console.errors import (
    ConsoleStateError,
    ConsoleTokenRateError,
    ConsoleUnavailableError,
)
from auth0client.console.tokens import console_token_validate, console_user, is_console_token
from auth0client.services.login import previous_session_end
from auth0client.sessions import Session, digest, session_create

audit_logger = logging.getLogger("authgw.audit")

_OPAQUE_RE = re.compile(r"^[A-Za-z0-9._~-]{16,512}$")
_MAX_CODE_LENGTH = 2048


@dataclass(frozen=True)
class ConsoleLoginStarted:
    url: str
    binding: str


@dataclass(frozen=True)
class ConsoleLoginResult:
    sid: str
    session: Session
    redirect: str


def _state_key(state: str) -> str:
    return store.key("console-login", digest(state))


def console_login_start(
    *, config: ConsoleConfig, redirect: str, binding: str | None
) -> ConsoleLoginStarted:
    """Stores a new state (bound to this browser, with the redirect) and returns the Console URL."""
    state = generate_token(43)  # ~256 bits from a CSPRNG
    # RFC 6749 §10.12: the state is bound to this browser by a cookie only it holds.
    binding = binding if binding and _OPAQUE_RE.match(binding) else generate_token(32)
    transaction = {"redirect": redirect, "binding": digest(binding)}
    if not store.add(_state_key(state), transaction, config.state_s):
        raise ConsoleStateError("This sign-in could not be started: try again.")
    return ConsoleLoginStarted(url=config.authz_url(state), binding=binding)


def _take_state(state: str | None, binding: str | None) -> dict[str, str]:
    """The transaction of `state`, consumed (single use) if this browser started it."""
    if not state or not _OPAQUE_RE.match(state):
        raise ConsoleStateError("The sign-in answer has no valid state: start again.")
    transaction = store.get(_state_key(state))
    if not isinstance(transaction, dict):
        raise ConsoleStateError("The sign-in expired or was already used: start again.")
    if not binding or not hmac.compare_digest(digest(binding), str(transaction["binding"])):
        raise ConsoleStateError("The sign-in was started in another browser: start again.")
    if not store.delete(_state_key(state)):
        raise ConsoleStateError("The sign-in was already used: start again.")
    return transaction


def console_login_complete(
    *,
    config: ConsoleConfig,
    code: str | None,
    state: str | None,
    binding: str | None,
    previous_sid: str | None = None,
) -> ConsoleLoginResult:
    """The callback: state checked before the Console hears anything, then the code exchange."""
    transaction = _take_state(state, binding)
    if not code or len(code) > _MAX_CODE_LENGTH:
        raise ConsoleStateError("The sign-in answer has no code: start again.")
    answer = get_console_client().token(code=code, state=str(state))
    tokens, user = console_tokens(answer, config=config)
    sid, session = session_create(client_type=CONSOLE_CLIENT_TYPE, user=user, tokens=tokens)
    previous_session_end(previous_sid)
    audit_logger.info(
        "sign-in",
        extra={"event": "sign-in", "grant": "console", "user_id": session.user_id},
    )
    return ConsoleLoginResult(sid=sid, session=session, redirect=str(transaction["redirect"]))


def console_tokens(
    answer: dict[str, Any], *, config: ConsoleConfig
) -> tuple[TokenSet, dict[str, Any]]:
    """The Console's `{"accessToken","refreshToken","expireAt"}`, its access token validated."""
    access_token = answer.get("accessToken")
    if not isinstance(access_token, str) or not access_token:
        raise ConsoleUnavailableError("The Console answered without an access token.")
    refresh_token = answer.get("refreshToken")
    claims = console_token_validate(
        access_token, config=config, fetch=get_console_client().jwks
    )
    tokens = TokenSet(
        access_token=access_token,
        # The signed `exp` decides; `expireAt` is the same instant, unsigned.
        expires_at=int(claims["exp"]),
        refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
    )
    return tokens, console_user(claims, config)


def console_bearer_user(token: str) -> dict[str, Any] | None:
    """The user of a Console access token presented as a bearer token; None if not one."""
    config: ConsoleConfig | None = settings.CONSOLE
    if config is None or not is_console_token(token, config):
        return None
    claims = console_token_validate(token, config=config, fetch=get_console_client().jwks)
    return console_user(claims, config)


def console_token_rate_spend(*, config: ConsoleConfig, ip: str, now: float | None = None) -> None:
    """CONSOLE_TOKEN_RATE_PER_MINUTE per address, in the shared store (all processes count)."""
    now = time.time() if now is None else now
    window = int(now // 60)
    count = store.incr(store.key("console-token-rate", f"{window}:{ip}"), ttl_s=120)
    if count > config.token_rate_per_minute:
        retry_after = str(max(1, 60 - int(now % 60)))
        raise ConsoleTokenRateError(
            "Too many token requests from this address: try again in a minute.",
            headers={"Retry-After": retry_after},
        )


def console_token_exchange(*, code: str, state: str) -> dict[str, Any]:
    """POST /api/token: the Console's answer to `{"code","state"}`, as it is (seed 002)."""
    return get_console_client().token(code=code, state=state)
