"""The Lucene subset of user search: parsing, matching, and the errors it reports."""

from __future__ import annotations

import pytest

from auth0emulator.lucene import LuceneError, parse

USERS = [
    {
        "user_id": "auth0|1",
        "email": "jane.smith@example.com",
        "name": "Jane Smith",
        "nickname": "jane",
        "blocked": True,
        "logins_count": 3,
        "identities": [{"connection": "Username-Password-Authentication"}],
        "app_metadata": {"groups": ["admin", "ops"], "plan": "Gold"},
    },
    {
        "user_id": "auth0|2",
        "email": "john@corp.example.org",
        "name": "John Doe",
        "nickname": "john",
        "logins_count": 0,
        "identities": [{"connection": "Corp"}],
        "app_metadata": {"groups": ["user"]},
    },
    {
        "user_id": "auth0|3",
        "email": "jo@example.com",
        "name": "Jo",
        "nickname": "jo",
        "identities": [{"connection": "Username-Password-Authentication"}],
        "app_metadata": {},
    },
]


def _ids(query: str) -> list[str]:
    node = parse(query)
    return [u["user_id"][-1] for u in USERS if node.matches(u)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param('email:"jane.smith@example.com"', ["1"], id="quoted-exact"),
        pytest.param("email:JANE.SMITH@example.com", ["1"], id="email-ignores-case"),
        pytest.param("name:jo", ["3"], id="exact-not-prefix"),
        pytest.param("name:jo*", ["2", "3"], id="trailing-wildcard"),
        pytest.param('name:"Jane Smith"', ["1"], id="quoted-phrase"),
        pytest.param("app_metadata.groups:admin", ["1"], id="array-element"),
        pytest.param("app_metadata.groups:user OR app_metadata.groups:ops", ["1", "2"], id="or"),
        pytest.param("app_metadata.groups:admin AND blocked:true", ["1"], id="and"),
        pytest.param("app_metadata.groups:admin AND blocked:false", [], id="and-false"),
        pytest.param("app_metadata.plan:gold", [], id="metadata-is-case-sensitive"),
        pytest.param("app_metadata.plan:Gold", ["1"], id="metadata-exact"),
        pytest.param('identities.connection:"Corp"', ["2"], id="nested-array-path"),
        pytest.param("NOT identities.connection:Corp", ["1", "3"], id="not"),
        pytest.param("(name:jo* OR nickname:jane) AND NOT logins_count:0", ["1", "3"], id="group"),
        pytest.param("app_metadata.plan:*", ["1"], id="exists"),
        pytest.param("email.domain:example.com", ["1", "3"], id="email-domain"),
        pytest.param("john", ["2"], id="bare-term"),
        pytest.param("name:john", [], id="unquoted-is-still-a-whole-value"),
        pytest.param("nickname:jane nickname:john", ["1", "2"], id="juxtaposition-is-or"),
        pytest.param("logins_count:3", ["1"], id="number"),
    ],
)
def test_queries_match_the_users_auth0_would_return(query, expected):
    assert _ids(query) == expected


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param("", "empty query", id="empty"),
        pytest.param("name:", "unexpected end of query", id="no-value"),
        pytest.param("(name:jo", "unexpected end of query", id="unclosed"),
        pytest.param("name:jo)", "unexpected ')'", id="stray-paren"),
        pytest.param("AND name:jo", "unexpected 'AND'", id="leading-and"),
        pytest.param(
            "logins_count:[1 TO 5]", "range queries are not supported by this emulator", id="range"
        ),
        pytest.param('name:"open', "unexpected '\"' at column 6", id="unterminated-quote"),
    ],
)
def test_unsupported_or_broken_queries_raise(query, reason):
    with pytest.raises(LuceneError) as caught:
        parse(query)
    assert str(caught.value) == reason
