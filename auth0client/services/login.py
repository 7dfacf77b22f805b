"""Sign-in: the authorization code flow (state, PKCE S256, nonce) and the password grant."""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token

from auth0client import store
from auth0client.client import AuthenticationClient, get_authentication_client
from auth0client.config import ClientConfig
from auth0client.errors import (
    InvalidGrantError,
    LoginRequestError,
    LoginStateError,
    UnknownClientError,
)
from auth0client.services.common import client_or_none, user_from_tokens
from auth0client.sessions import (
    Session,
    digest,
    session_create,
    session_delete,
    session_get_by_sid,
)
from auth0client.throttle import (
    login_throttle_release,
    login_throttle_reserve,
    login_throttle_success,
)

# Who signed in, how and from where; never a password, token or raw username.
audit_logger = logging.getLogger("authgw.audit")

LOGIN_STATE_TTL_S = 600  # Mia auth0-client 3.2.1: 10 minutes
_OPAQUE_RE = re.compile(r"^[A-Za-z0-9._~-]{16,512}$")
PROMPTS = frozenset({"none", "login", "consent", "select_account"})


@dataclass(frozen=True)
class LoginStarted:
    url: str
    binding: str  # the value of the browser-binding cookie (kept or new)


@dataclass(frozen=True)
class LoginResult:
    sid: str
    session: Session
    client: ClientConfig
    redirect: str


def _connection(client: ClientConfig, requested: str | None) -> str | None:
    if not requested:
        return client.default_connection
    if client.supported_connections and requested not in client.supported_connections:
        raise LoginRequestError(f"The connection {requested[:64]!r} is not supported.")
    return requested


def _state(client: ClientConfig, requested: str | None) -> str:
    if not client.authorize_state_required:
        ours: str = generate_token(32)  # a caller's state is ignored (Mia's behaviour)
        return ours
    if not requested or not _OPAQUE_RE.match(requested):
        raise LoginRequestError("state is required: 16 to 512 URL-safe characters.")
    return requested


def login_start(
    *,
    client: ClientConfig,
    redirect: str,
    state: str | None = None,
    connection: str | None = None,
    prompt: str | None = None,
    binding: str | None = None,
) -> LoginStarted:
    """Stores state, PKCE verifier and nonce server-side and returns the provider's URL."""
    if prompt and prompt not in PROMPTS:
        raise LoginRequestError("prompt must be one of " + ", ".join(sorted(PROMPTS)) + ".")
    chosen_connection = _connection(client, connection)
    login_state = _state(client, state)
    # RFC 6749 §10.12: the state is bound to this browser by a cookie only it holds.
    binding = binding if binding and _OPAQUE_RE.match(binding) else generate_token(32)
    verifier, nonce = generate_token(64), generate_token(32)
    transaction = {
        "client_type": client.client_type,
        "verifier": verifier,
        "nonce": nonce,
        "redirect": redirect,
        "binding": digest(binding),
    }
    if not store.add(store.key("login", digest(login_state)), transaction, LOGIN_STATE_TTL_S):
        raise LoginRequestError("This state is already in use: start the sign-in again.")
    url = get_authentication_client(client).authorization_url(
        state=login_state,
        nonce=nonce,
        code_verifier=verifier,
        connection=chosen_connection,
        prompt=prompt,
    )
    return LoginStarted(url=url, binding=binding)


def _take_transaction(state: str, binding: str | None) -> dict[str, str]:
    """The login transaction of `state`, consumed (single use) if this browser started it."""
    transaction_key = store.key("login", digest(state))
    transaction = store.get(transaction_key)
    if not isinstance(transaction, dict):
        raise LoginStateError("The sign-in expired or was already used: start again.")
    if not binding or not hmac.compare_digest(digest(binding), transaction["binding"]):
        raise LoginStateError("The sign-in was started in another browser: start again.")
    if not store.delete(transaction_key):
        raise LoginStateError("The sign-in was already used: start again.")
    return transaction


def _check_response_issuer(auth: AuthenticationClient, iss: str | None) -> None:
    """RFC 9207 §2.4: an answer from another provider (mix-up) is refused before the exchange."""
    metadata = auth.metadata()
    if iss is None and metadata.iss_parameter_supported:
        raise LoginStateError(
            "The sign-in answer does not name its identity provider (iss): start again."
        )
    if iss is not None and iss != metadata.issuer:
        raise LoginStateError(
            "The sign-in answer comes from another identity provider (iss): start again."
        )


def login_complete(
    *,
    code: str | None,
    state: str | None,
    binding: str | None,
    previous_sid: str | None = None,
    iss: str | None = None,
) -> LoginResult:
    """The callback: state and iss checks, code exchange with the PKCE verifier, ID token."""
    if not state or not _OPAQUE_RE.match(state):
        raise LoginStateError("The sign-in answer has no valid state: start again.")
    if not code or len(code) > 2048:
        raise LoginStateError("The sign-in answer has no code: start again.")
    transaction = _take_transaction(state, binding)
    client = client_or_none(transaction["client_type"])
    if client is None:
        raise UnknownClientError("The client of this sign-in is not configured any more.")
    auth = get_authentication_client(client)
    _check_response_issuer(auth, iss)
    tokens = auth.exchange_code(code=code, code_verifier=transaction["verifier"])
    user = user_from_tokens(client, auth, tokens, nonce=transaction["nonce"])
    sid, session = session_create(client_type=client.client_type, user=user, tokens=tokens)
    previous_session_end(previous_sid)
    _audit("sign-in", grant="authorization_code", client_type=client.client_type, user=session)
    return LoginResult(sid=sid, session=session, client=client, redirect=transaction["redirect"])


def password_login(
    *,
    client: ClientConfig,
    username: str,
    password: str,
    connection: str | None,
    ip: str,
    redirect: str = "/",
    previous_sid: str | None = None,
) -> LoginResult:
    """The password grant (RFC 9700 §2.4 deviation: opt-in per client, throttled)."""
    if not client.password_grant_enabled:
        raise LoginRequestError("The password grant is not enabled for this client.")
    if not username or not password or len(username) > 512 or len(password) > 1024:
        raise InvalidGrantError("Wrong username or password.")
    chosen_connection = _connection(client, connection)
    auth = get_authentication_client(client)
    # Reserved before the provider hears the password, so parallel guesses cannot overtake it.
    reservation = login_throttle_reserve(username=username, ip=ip)
    try:
        tokens = auth.password_grant(
            username=username, password=password, connection=chosen_connection
        )
    except InvalidGrantError:  # a refused password keeps its reservation: it is the failure
        _audit(
            "sign-in refused",
            grant="password",
            client_type=client.client_type,
            ip=ip,
            account=digest(username.strip().lower())[:16],
        )
        raise
    except BaseException:  # the provider failed or never answered: not a failed sign-in
        login_throttle_release(reservation)
        raise
    login_throttle_success(reservation)
    user = user_from_tokens(client, auth, tokens, nonce=None)
    sid, session = session_create(client_type=client.client_type, user=user, tokens=tokens)
    previous_session_end(previous_sid)
    _audit("sign-in", grant="password", client_type=client.client_type, user=session, ip=ip)
    return LoginResult(sid=sid, session=session, client=client, redirect=redirect)


def _audit(event: str, *, user: Session | None = None, **fields: Any) -> None:
    """One line per sign-in or refused password (RFC 9700 §2.4 deviation: audited)."""
    if user is not None:
        fields["user_id"] = user.user_id
    audit_logger.info(event, extra={"event": event, **fields})


def previous_session_end(sid: str | None) -> None:
    """ASVS v5 V7.2.4: signing in again terminates the session this browser had before."""
    if sid:
        session = session_get_by_sid(sid)
        if session is not None:
            session_delete(session)
