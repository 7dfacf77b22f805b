"""Issue 9 item 4: sessions over real sockets against the auth0emulator (ASVS v5 V7, RFC 9700).

Idle and absolute timeouts, junk cookies, no token ever in front of the browser with the
`website` scope, cross-site writes refused, no CORS credentials for foreign origins.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, replace
from http import HTTPStatus

import pytest
import requests

from auth0client import store
from auth0client.sessions import digest, session_get_by_sid, session_save
from authgw.errors import error_body
from tests.e2e.hardening_support import HTML, ME, clears_session_cookie, me
from tests.e2e.login_support import ADMIN, USER, password_sid, sign_in_at_the_provider

pytestmark = [
    pytest.mark.auth0client_only,
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

FOREIGN = "https://evil.example.com"


@pytest.fixture
def product(on_module_emulator):
    """The product's URL; its provider is this module's emulator (`module_emulator`)."""
    return on_module_emulator


def shift_times(sid: str, **seconds_ago: int) -> None:
    now = int(time.time())
    fields = {name: now - ago for name, ago in seconds_ago.items()}
    session_save(replace(session_get_by_sid(sid), **fields))


# --- idle and absolute timeouts -------------------------------------------------------------


def test_idle_timeout_ends_a_session_before_the_absolute_limit(product, settings):
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, idle_s=600, duration_s=86400)
    sid = password_sid(product)
    shift_times(sid, created_at=700, last_seen=601)

    answer = me(product, sid)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert clears_session_cookie(answer)
    assert session_get_by_sid(sid) is None


def test_activity_within_the_idle_limit_keeps_the_session_alive_past_it(product, settings):
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, idle_s=600, duration_s=86400)
    sid = password_sid(product)
    shift_times(sid, created_at=5000, last_seen=300)  # older than idle_s, but active recently

    answer = me(product, sid)

    assert answer.status_code == HTTPStatus.OK
    assert session_get_by_sid(sid).last_seen >= time.time() - 5  # the idle clock restarted


def test_absolute_limit_ends_even_an_active_session(product, settings):
    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, idle_s=600, duration_s=3600)
    sid = password_sid(product)
    shift_times(sid, created_at=3601, last_seen=10)

    answer = me(product, sid)

    assert answer.status_code == HTTPStatus.UNAUTHORIZED
    assert session_get_by_sid(sid) is None


@pytest.mark.redis
def test_the_stored_session_expires_with_the_idle_limit(product, settings):
    from django.core.cache import cache

    settings.AUTH0_SESSIONS = replace(settings.AUTH0_SESSIONS, idle_s=600, duration_s=86400)
    sid = password_sid(product)

    ttl = cache.ttl(store.key("session", digest(sid)))

    assert 590 <= ttl <= 600  # Redis drops an idle session by itself


# --- junk cookies (mod_auth_openidc CVE-2024-24814) --------------------------------------------


def _tampered(sid: str) -> str:
    return sid[:-1] + ("A" if sid[-1] != "A" else "B")


JUNK = {
    "random-well-formed": lambda sid: "Q" * 43,
    "tampered": _tampered,
    "oversized": lambda sid: "A" * 8000,
    "non-base64": lambda sid: "%%%***!!!",
    "base64-of-json": lambda sid: base64.b64encode(b'{"sub":"auth0|admin"}').decode(),
    "huge-number": lambda sid: "9" * 40,
    "sql-ish": lambda sid: "x' OR '1'='1",
    "non-ascii": lambda sid: "s\u00e9ssion\u2603",
}
MALFORMED = {"oversized", "non-base64", "base64-of-json", "huge-number", "sql-ish", "non-ascii"}


@pytest.fixture
def store_reads(monkeypatch):
    reads: list[str] = []
    for name in ("get", "get_many"):
        real = getattr(store, name)
        monkeypatch.setattr(store, name, lambda *a, _real=real, **k: reads.append(1) or _real(*a))
    return reads


@pytest.mark.parametrize("kind", sorted(JUNK))
def test_junk_session_cookie_is_401_within_milliseconds_never_500(product, kind, store_reads):
    cookie = JUNK[kind](password_sid(product))
    header = {"Cookie": f"sid={cookie}".encode().decode("latin-1")}
    store_reads.clear()
    timings, answers = [], []
    for _ in range(3):
        began = time.perf_counter()
        answers.append(requests.get(f"{product}{ME}", headers=header, timeout=10))
        timings.append(time.perf_counter() - began)
    write = requests.post(f"{product}/refreshtoken", headers=header, timeout=10)

    assert {answer.status_code for answer in answers} == {HTTPStatus.UNAUTHORIZED}
    assert write.status_code == HTTPStatus.UNAUTHORIZED
    assert min(timings) < 0.1, timings
    if kind in MALFORMED:
        assert store_reads == []  # refused on its shape: no store round trip at all


# --- no token ever reaches the browser ---------------------------------------------------------


@dataclass
class Seen:
    url: str
    status: int
    headers: dict[str, str]
    body: str


class RecordingBrowser(requests.Session):
    """A requests session that remembers every answer, redirects included."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Seen] = []
        self.hooks["response"].append(self._record)

    def _record(self, response: requests.Response, *args, **kwargs) -> None:
        self.seen.append(
            Seen(response.url, response.status_code, dict(response.headers), response.text)
        )


def _tokens_of(sid: str) -> set[str]:
    session = session_get_by_sid(sid)
    found = {session.access_token, session.id_token, session.refresh_token}
    assert all(found), "the session holds an access, an ID and a refresh token"
    return found


def _is_jwt_from(token: str, issuer: str) -> bool:
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["iss"] == issuer


def _code_flow(browser: RecordingBrowser, product: str, redirect: str) -> None:
    to_callback = sign_in_at_the_provider(browser, product, ADMIN, redirect)
    browser.get(to_callback.headers["Location"], timeout=10)  # the callback, then `redirect`


def test_no_token_ever_appears_in_what_the_browser_sees(product, module_emulator, settings):
    settings.LOGIN = replace(settings.LOGIN, logout_client_id_enabled=True)
    browser = RecordingBrowser()
    browser.headers.update(HTML)
    issued: set[str] = set()

    browser.get(f"{product}/web-login", params={"redirect": ME}, timeout=10)
    _code_flow(browser, product, ME)  # ends on the user page, signed in
    sid = browser.cookies["sid"]
    issued |= _tokens_of(sid)
    browser.get(f"{product}{ME}", timeout=10)
    browser.get(f"{product}/users/me", timeout=10)
    module_emulator.advance_clock(2)  # tokens minted in the same second would be identical
    browser.post(f"{product}/refreshtoken", headers={"Origin": product}, timeout=10)
    issued |= _tokens_of(sid)
    shift_times(sid, last_seen=0)
    session_save(replace(session_get_by_sid(sid), expires_at=int(time.time()) - 1))
    module_emulator.advance_clock(2)
    browser.get(f"{product}{ME}", timeout=10)  # a transparent refresh
    issued |= _tokens_of(sid)
    username, password = USER  # the login page's password form, in the same browser
    browser.post(
        f"{product}/oauth/token",
        data={
            "grant_type": "password",
            "username": username,
            "password": password,
            "redirect": ME,
        },
        headers={"Origin": product},
        timeout=10,
    )
    issued |= _tokens_of(browser.cookies["sid"])
    browser.get(f"{product}/logout", params={"redirect": "/web-login"}, timeout=10)

    jwts = {token for token in issued if token.count(".") == 2}
    assert len(issued) == 12  # two logins and two renewals, three tokens each
    assert len(jwts) == 8
    assert all(_is_jwt_from(token, module_emulator.issuer) for token in jwts)
    assert len(browser.seen) >= 12
    signatures = {token.rsplit(".", 1)[1] for token in jwts}
    for seen in browser.seen:
        visible = " ".join([seen.url, seen.body, *seen.headers.values()])
        for secret in issued | signatures:
            assert secret not in visible, f"a token reached the browser in {seen.url}"
    cookie_values = [cookie.value for cookie in browser.cookies]
    assert not any(secret in value for value in cookie_values for secret in issued)


# --- cross-site writes and CORS -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/oauth/token"),
        ("POST", "/refreshtoken"),
        ("POST", "/users"),
        ("PATCH", "/users/5f1a2b3c4d5e6f7a8b9c0d1e"),
        ("DELETE", "/users/5f1a2b3c4d5e6f7a8b9c0d1e"),
        ("POST", "/backoffice/usermanager/user/add/"),
        ("PUT", "/ums-configurations/x"),
    ],
)
def test_cross_site_write_with_the_session_cookie_is_403(product, method, path):
    sid = password_sid(product)

    answer = requests.request(
        method,
        f"{product}{path}",
        cookies={"sid": sid},
        headers={"Origin": FOREIGN, "Accept": "application/json"},
        data={"grant_type": "password"},
        timeout=10,
    )

    assert answer.status_code == HTTPStatus.FORBIDDEN
    assert answer.json() == error_body(403, "Cross-origin request refused.")
    assert me(product, sid).status_code == HTTPStatus.OK  # the session was not touched


def test_same_origin_write_with_the_session_cookie_passes(product):
    sid = password_sid(product)

    answer = requests.post(
        f"{product}/refreshtoken", cookies={"sid": sid}, headers={"Origin": product}, timeout=10
    )

    assert answer.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "path", ["/userinfo", ME, "/refreshtoken", "/oauth/token", "/users", "/auth"]
)
def test_cors_never_combines_a_foreign_origin_with_credentials(product, path):
    sid = password_sid(product)
    preflight = requests.options(
        f"{product}{path}",
        headers={"Origin": FOREIGN, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    actual = requests.get(
        f"{product}{path}", cookies={"sid": sid}, headers={"Origin": FOREIGN}, timeout=10
    )

    for answer in (preflight, actual):
        assert answer.headers.get("Access-Control-Allow-Origin") is None
        assert answer.headers.get("Access-Control-Allow-Credentials") is None


# --- peers' session bugs -------------------------------------------------------------------------


def test_login_as_someone_else_after_logout_never_reuses_the_old_session(product):
    # oauth2-proxy #1533: the previous user's session (and groups) came back.
    admin_sid = password_sid(product, ADMIN)
    assert me(product, admin_sid).json()["groups"] == ["admin"]
    requests.get(f"{product}/logout", cookies={"sid": admin_sid}, timeout=10)

    user_sid = password_sid(product, USER)

    assert user_sid != admin_sid
    assert me(product, admin_sid).status_code == HTTPStatus.UNAUTHORIZED
    assert me(product, user_sid).json()["groups"] == ["user"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/oauth/token", HTTPStatus.BAD_REQUEST, id="token-no-grant-type"),
        pytest.param("/refreshtoken", HTTPStatus.UNAUTHORIZED, id="refresh-no-session"),
        # POST /logout is the sign-out confirmation's method (issue 12 item 7): an empty one is a
        # plain sign-out (303), see auth0client/tests/test_logout_cross_site.py. The login site's
        # pages are forms of the product's own: a POST without their CSRF token is refused.
        pytest.param("/web-login/callback", HTTPStatus.FORBIDDEN, id="callback-no-csrf-token"),
        pytest.param("/web-login", HTTPStatus.FORBIDDEN, id="login-page-no-csrf-token"),
        pytest.param("/authorize", HTTPStatus.FORBIDDEN, id="authorize-no-csrf-token"),
    ],
)
def test_empty_post_to_a_login_endpoint_is_4xx_and_the_server_survives(product, path, status):
    # mod_auth_openidc CVE-2025-3891: an empty POST crashed the server.
    answer = requests.post(f"{product}{path}", data=b"", timeout=10)

    assert answer.status_code == status, answer.text
    assert requests.get(f"{product}/-/healthz", timeout=10).status_code == HTTPStatus.OK
