from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from http import HTTPStatus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from acl.decisions import AclInput, decide
from acl.identity import Identity
from acl.paths import normalise_path, split_uri
from acl.policy import METHODS, Policy
from acl.tests.conftest import make_policy, methods, rule

ADMIN = Identity("u-admin", groups=frozenset({"admin"}))
USER = Identity("u-user", groups=frozenset({"user"}))


def matched_key(policy: Policy, path: str, method: str = "GET") -> str | None:
    return decide(policy, AclInput(method, path, identity=ADMIN)).key


@pytest.fixture
def tree():
    return make_policy({
        "/": methods("true"),
        "/foo": methods("true"),
        "/foo/": methods("true"),
        "/foo/bar/": methods("true"),
        "/foo/bar/baz": methods("true"),
        "/exact": methods("true"),
    })


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param("/foo", "/foo", id="exact-without-slash"),
        pytest.param("/foo/", "/foo/", id="exact-with-slash"),
        pytest.param("/foo/x", "/foo/", id="parent-with-slash-covers-child"),
        pytest.param("/foo/bar", "/foo/", id="child-without-slash-uses-parent"),
        pytest.param("/foo/bar/x/y", "/foo/bar/", id="longest-parent-wins"),
        pytest.param("/foo/bar/baz", "/foo/bar/baz", id="exact-beats-parent"),
        pytest.param("/foo/bar/baz/q", "/foo/bar/", id="exact-key-without-slash-is-no-parent"),
        pytest.param("/foo-bar", "/", id="foo-bar-never-uses-foo"),
        pytest.param("/foobar/x", "/", id="foobar-never-uses-foo-slash"),
        pytest.param("/exact/child", "/", id="key-without-slash-covers-only-itself"),
        pytest.param("/", "/", id="root"),
        pytest.param("/other", "/", id="root-fallback"),
    ],
)
def test_route_matching_order(tree, path, key):
    assert matched_key(tree, path) == key


def test_without_a_root_key_an_unmatched_path_has_no_rule():
    policy = make_policy({"/foo/": methods("true")})

    decision = decide(policy, AclInput("GET", "/bar", identity=ADMIN))

    assert (decision.status, decision.key, decision.reason) == (
        HTTPStatus.UNAUTHORIZED, None, "no rule for this path",
    )


def test_the_query_string_is_ignored():
    policy = make_policy({"/": methods("true", public=True), "/admin": methods("groups.admin")})
    path, query = split_uri("/admin?next=/public&x=/")

    assert (path, query) == ("/admin", "next=/public&x=/")
    assert matched_key(policy, normalise_path(path, decode=True)) == "/admin"


def test_a_specific_method_beats_all():
    policy = make_policy({"/orders": {
        "ALL": {"authorization": rule("groups.admin")},
        "GET": {"authorization": rule("true")},
    }})

    get = decide(policy, AclInput("GET", "/orders", identity=USER))
    post = decide(policy, AclInput("POST", "/orders", identity=USER))

    assert (get.status, get.method) == (HTTPStatus.OK, "GET")
    assert (post.status, post.method) == (HTTPStatus.FORBIDDEN, "ALL")


@pytest.mark.parametrize("method", METHODS)
def test_all_covers_the_seven_methods(method):
    policy = make_policy({"/x": methods("true")})

    assert decide(policy, AclInput(method, "/x", identity=USER)).status == HTTPStatus.OK


def test_all_does_not_cover_other_methods():
    policy = make_policy({"/x": methods("true")})

    decision = decide(policy, AclInput("TRACE", "/x", identity=USER))

    assert (decision.status, decision.key, decision.reason) == (
        HTTPStatus.UNAUTHORIZED, "/x", "no rule for this method",
    )


def test_head_and_options_without_their_own_rule_get_the_decision_of_get():
    policy = make_policy({"/x": {"GET": {"authorization": rule("groups.admin")}}})

    for method in ("HEAD", "OPTIONS"):
        assert decide(policy, AclInput(method, "/x", identity=ADMIN)).status == HTTPStatus.OK
        assert decide(policy, AclInput(method, "/x", identity=USER)).status == HTTPStatus.FORBIDDEN
        assert decide(policy, AclInput(method, "/x")).status == HTTPStatus.UNAUTHORIZED


def test_an_explicit_head_rule_beats_get():
    policy = make_policy({"/x": {
        "GET": {"authorization": rule("true")},
        "HEAD": {"authorization": rule("false")},
    }})

    assert decide(policy, AclInput("HEAD", "/x", identity=ADMIN)).status == HTTPStatus.FORBIDDEN


def test_a_matched_path_without_the_method_does_not_fall_back_to_a_parent():
    policy = make_policy({
        "/": methods("true", public=True),
        "/x": {"GET": {"authorization": rule("true")}},
    })

    decision = decide(policy, AclInput("POST", "/x", identity=ADMIN))

    assert (decision.status, decision.key) == (HTTPStatus.UNAUTHORIZED, "/x")


# --- bypass attempts: each against a rule it would otherwise escape ----------------------------

# Everything is public except /admin and /admin/ (admins only); /public/ is public too.
BYPASS_POLICY = {
    "/": methods("true", public=True),
    "/public/": methods("true", public=True),
    "/admin": methods("groups.admin"),
    "/admin/": methods("groups.admin"),
}


@pytest.mark.parametrize(
    ("raw_uri", "normalised"),
    [
        pytest.param("//admin/x", "/admin/x", id="leading-double-slash"),
        pytest.param("/admin//x", "/admin/x", id="inner-double-slash"),
        pytest.param("/./admin/x", "/admin/x", id="dot-segment"),
        pytest.param("/public/../admin/x", "/admin/x", id="dot-dot-segment"),
        pytest.param("/public/./../admin", "/admin", id="dot-then-dot-dot"),
        pytest.param("/../../admin", "/admin", id="dot-dot-above-root"),
        pytest.param("/public/%2e%2e/admin/x", "/admin/x", id="encoded-dots"),
        pytest.param("/public/%2E%2E/admin/x", "/admin/x", id="encoded-dots-uppercase"),
        pytest.param("/public/.%2e/admin/x", "/admin/x", id="half-encoded-dots"),
        pytest.param("/public/..%2fadmin/x", "/admin/x", id="encoded-slash-after-dots"),
        pytest.param("/public%2F..%2Fadmin%2Fx", "/admin/x", id="all-slashes-encoded"),
        pytest.param("/admin%2Fx", "/admin/x", id="encoded-slash"),
        pytest.param("/%2Fadmin/x", "/admin/x", id="encoded-leading-slash"),
        pytest.param("/%61dmin/x", "/admin/x", id="encoded-letter"),
        pytest.param("/ADMIN/x", "/ADMIN/x", id="uppercase"),
        pytest.param("/Admin", "/Admin", id="mixed-case"),
        pytest.param("/admin;x/y", "/admin/y", id="matrix-parameter"),
        pytest.param("/admin;jsessionid=1", "/admin", id="path-parameter-on-key"),
        pytest.param("/admin%3Bx", "/admin", id="encoded-semicolon"),
        pytest.param("/admin\\x", "/admin/x", id="backslash"),
        pytest.param("/public\\..\\admin", "/admin", id="backslash-dot-dot"),
        pytest.param("/admin?/public/", "/admin", id="query-looks-like-public"),
        pytest.param("/admin#/public/", "/admin", id="fragment-looks-like-public"),
        pytest.param("http://evil.example/admin/x", "/admin/x", id="absolute-form"),
    ],
)
def test_normalisation_cannot_dodge_the_admin_rule(raw_uri, normalised):
    policy = make_policy(BYPASS_POLICY)
    path = normalise_path(split_uri(raw_uri)[0], decode=True)

    anonymous = decide(policy, AclInput("GET", path))
    user = decide(policy, AclInput("GET", path, identity=USER))

    assert path == normalised
    assert anonymous.key in ("/admin", "/admin/")
    assert anonymous.status == HTTPStatus.UNAUTHORIZED
    assert user.status == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    "raw_uri",
    [
        pytest.param("/public/%252e%252e/admin", id="double-encoded-dots"),
        pytest.param("/public/%252E%252E%252Fadmin", id="double-encoded-dots-and-slash"),
        pytest.param("/public/..%252fadmin", id="double-encoded-slash"),
        pytest.param("/public/%255cadmin", id="double-encoded-backslash"),
    ],
)
def test_a_double_encoded_path_matches_no_rule(raw_uri):
    policy = make_policy(BYPASS_POLICY)
    path = normalise_path(raw_uri, decode=True)

    decision = decide(policy, AclInput("GET", path, identity=ADMIN))

    assert (decision.status, decision.reason) == (
        HTTPStatus.UNAUTHORIZED, "ambiguous path: encoded twice",
    )


@pytest.mark.parametrize(
    ("decoded", "normalised"),
    [
        pytest.param("/public/../admin", "/admin", id="dot-dot"),
        pytest.param("//admin", "/admin", id="double-slash"),
        pytest.param("/public/%2e%2e/admin", "/public/%2e%2e/admin", id="never-decoded-twice"),
    ],
)
def test_an_already_decoded_path_is_not_decoded_again(decoded, normalised):
    assert normalise_path(decoded, decode=False) == normalised


def test_a_path_cannot_reach_a_different_rule_by_normalisation():
    # /public/x/../../admin must not be judged as /public/ (public) nor served as something else.
    policy = make_policy(BYPASS_POLICY)
    path = normalise_path("/public/x/../../admin/secret", decode=True)

    assert matched_key(policy, path) == "/admin/"


# --- lookup cost ---------------------------------------------------------------------------------


class CountingDict(Mapping):
    def __init__(self, data):
        self.data = data
        self.gets = 0

    def get(self, key, default=None):
        self.gets += 1
        return self.data.get(key, default)

    def __getitem__(self, key):
        return self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)


@functools.cache
def generated_policy(route_count: int) -> Policy:
    data = {"/": methods("true")}
    data.update({f"/svc{i}/items/": methods("groups.admin") for i in range(route_count)})
    return make_policy(data)


def lookups(route_count: int, path: str) -> int:
    policy = dataclasses.replace(generated_policy(route_count))
    counting = CountingDict(policy.table)
    object.__setattr__(policy, "table", counting)
    decide(policy, AclInput("GET", path, identity=ADMIN))
    return counting.gets


@pytest.mark.parametrize("path", ["/svc3/items/42/detail", "/nowhere/at/all", "/svc3/items/"])
def test_lookup_cost_does_not_grow_with_the_number_of_routes(path):
    assert lookups(10, path) == lookups(10_000, path) <= path.count("/") + 1


# --- the lookup agrees with a plain linear reference --------------------------------------------

segment = st.sampled_from(["a", "b", "ab", "x-y"])
key_paths = st.builds(
    lambda parts, slash: "/" + "/".join(parts) + ("/" if slash and parts else ""),
    st.lists(segment, max_size=4),
    st.booleans(),
)


def reference_key(keys, path):
    if path in keys:
        return path
    parents = [k for k in keys if k.endswith("/") and k != path and path.startswith(k)]
    return max(parents, key=len, default=None)


@settings(max_examples=300, deadline=None)
@given(keys=st.sets(key_paths, min_size=1, max_size=12), path=key_paths)
def test_the_lookup_finds_what_a_linear_scan_would(keys, path):
    policy = make_policy({key: methods("true") for key in keys})

    assert decide(policy, AclInput("GET", path, identity=ADMIN)).key == reference_key(keys, path)
