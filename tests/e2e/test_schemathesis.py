"""Schemathesis against the product's own OpenAPI description (drf-spectacular, `/api/schema`):
no request, valid or not, gets a 5xx, and every answer matches what the description documents.

Issue 9 item 10 fuzzed with bodies that fit the schema; issue 12 item 5 found that a JSON array
body (`POST /users [1]`) was still a 500, because nothing sent a body of the wrong shape with the
rest of the request right. So every operation now also gets, besides fuzzing in both modes:
- Schemathesis' coverage phase in negative mode (deterministic: bodies of the wrong type, fields
  of the wrong type, missing required fields, out-of-range query values, undocumented methods);
- a valid request (known ids, valid query) whose JSON object body is swapped for each wrong shape
  in turn (`[1]`, `[]`, a string, a number, a boolean, null, `{"$set": [1]}`, `[valid body]`):
  the phases negate several parts at once, and a bad query is refused before the body is read.
Every answer is checked with `not_a_server_error` and `response_schema_conformance`.

The product runs as pytest-django's live server (so PostgreSQL-only failures, such as a NUL byte
in a text field, show up in the services run), against a real emulator for the Management API.
Two admins call it:
- the acl's test double (`Authorization: Bearer test-admin-token`), for positive and negative
  requests: a generated `POST /users/state {"filter": {}, "stateTo": "TRASH"}` would otherwise
  lock a real admin out half-way through the run;
- the real demo admin of `seed_demo`, signed in through the emulator's login page over sockets
  (the `sid` cookie), for negative requests. Its own record is kept out of the ids, emails and
  filters the run steers towards, and the run proves the session held to the end.
Examples per operation are bounded to keep the file under two minutes.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from http import HTTPStatus

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.errors import FailureGroup

from tests.e2e.login_support import ADMIN, Product, browser_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEST_DOUBLE_ADMIN = {"Authorization": "Bearer test-admin-token"}
EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 20}
SIGNED_IN_NEGATIVE_EXAMPLES = 15
ANONYMOUS_EXAMPLES = {GenerationMode.POSITIVE: 6}
RESHAPED_EXAMPLES = 3
# Valid JSON, never an object; plus an object whose `$set` (PATCH /users) is not one either.
WRONG_SHAPES = ([1], [], "text", 12345, True, None, {"$set": [1]})
CHECKS = [not_a_server_error, response_schema_conformance]
# The admin REST API: a signed-in admin is never refused there (so the run really was signed in).
ADMIN_API = ("/users", "/ums-configurations")
VALID_CRUD_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


@dataclass(frozen=True)
class Known:
    """Records that exist, so that generated requests get past "not found" now and then."""

    user_ids: tuple[str, ...]
    groups: tuple[str, ...]
    emails: tuple[str, ...]


@dataclass(frozen=True)
class Caller:
    """Who sends the generated requests, and what the run may steer them towards."""

    name: str
    known: Known
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    # Every dict `filter` (POST /users/state) is narrowed to a known email, always.
    narrow_filters: bool = False


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)

    def refused_on_the_admin_api(self) -> dict[str, int]:
        return {
            f"{label} {status}": count
            for (label, status), count in self.statuses.items()
            if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
            and label.split(" ", 1)[1].startswith(ADMIN_API)
        }


@pytest.fixture
def product(ums_product: Product, settings) -> Product:
    """`make run`'s set-up: the UMS resolver, this test's emulator, `seed_demo`."""
    settings.AUTH0_TIMEOUT_SECONDS = 5.0
    return ums_product


def known_records(*, leave_out_email: str | None = None) -> Known:
    from usermanager.models import UMSConfiguration, User

    users = list(User.objects.exclude(email=leave_out_email).values_list("id", "email"))
    groups = tuple(UMSConfiguration.objects.values_list("user_group", flat=True))
    return Known(tuple(i for i, _ in users), groups, tuple(e for _, e in users))


def steer(case, caller: Caller, pick: Callable[[tuple[str, ...]], str], use_known: bool):
    """Sometimes swap a generated id, group or schema for one that exists or is valid."""
    known = caller.known
    body = case.body if isinstance(case.body, dict) else {}
    if caller.narrow_filters and isinstance(body.get("filter"), dict):
        body["filter"]["email"] = pick(known.emails)
    if not use_known:
        return case
    params = case.path_parameters or {}
    if "user_id" in params:
        params["user_id"] = pick(known.user_ids)
    if "configuration_id" in params:
        params["configuration_id"] = pick(known.groups)
    for name, choices in (("userGroup", known.groups), ("email", known.emails)):
        if name in body:
            body[name] = pick(choices)
    if "_id" in body:
        body["_id"] = pick(known.user_ids)
    if "crudSchema" in body:
        body["crudSchema"] = VALID_CRUD_SCHEMA
    if isinstance(body.get("filter"), dict):
        body["filter"]["email"] = pick(known.emails)
    return case


def send(case, base_url: str, caller: Caller, outcome: Outcome) -> None:
    response = case.call(
        base_url=base_url, headers=caller.headers, cookies=caller.cookies, timeout=30
    )
    if case.method.upper() == case.operation.method.upper():  # not an undocumented method
        outcome.statuses[(case.operation.label, response.status_code)] += 1
    case.validate_response(response, checks=CHECKS)


def steered_cases(operation, caller: Caller, mode: GenerationMode, *, always_known: bool = False):
    """The operation's cases of one mode, a share of them (or all) steered to known records."""

    def steered(drawn):
        case, (use_known, seed) = drawn
        return steer(case, caller, partial(_nth, seed), use_known or always_known)

    return st.tuples(
        operation.as_strategy(generation_mode=mode),
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=10_000)),
    ).map(steered)


def fuzz(
    operation, base_url: str, caller: Caller, mode: GenerationMode, examples: int, outcome: Outcome
) -> None:
    """Hypothesis-driven cases of one mode."""

    @given(case=steered_cases(operation, caller, mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same requests in every run: a CI failure reproduces locally
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case) -> None:
        send(case, base_url, caller, outcome)

    run()


def cover(schema, operation, base_url: str, caller: Caller, outcome: Outcome) -> None:
    """The coverage phase in negative mode: every wrong shape of every part, once."""
    generation = schema.config.generation_for(operation=operation, phase="coverage")
    cases = schema.iter_coverage_cases(
        operation, generation_modes=[GenerationMode.NEGATIVE], generation_config=generation
    )
    for number, case in enumerate(cases):
        steer(case, caller, partial(_nth, number), use_known=number % 2 == 1)
        send(case, base_url, caller, outcome)


def reshape(operation, base_url: str, caller: Caller, outcome: Outcome) -> None:
    """A valid request (known ids, valid query) whose JSON object body is swapped for each
    wrong shape in turn: the schema-driven phases negate one part at a time, so they rarely
    send a wrong-shaped body with everything else right, which is what reaches the serializer."""

    @given(case=steered_cases(operation, caller, GenerationMode.POSITIVE, always_known=True))
    @settings(
        max_examples=RESHAPED_EXAMPLES,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case) -> None:
        if not isinstance(case.body, dict):
            return  # no JSON object body to reshape
        valid = case.body
        for shape in [*WRONG_SHAPES, [valid]]:
            case.body = copy.deepcopy(shape)
            send(case, base_url, caller, outcome)

    run()


def _nth(number: int, choices: tuple[str, ...]) -> str:
    return choices[number % len(choices)]


Pass = tuple[Caller, str, Callable[[Outcome], None]]


def run_all(passes: Iterable[Pass]) -> Outcome:
    """Each pass on each operation; the first failure of each is kept, the rest go on."""
    outcome = Outcome()
    for caller, label, run in passes:
        try:
            run(outcome)
        except Unsatisfiable:
            pass  # nothing to make invalid (no parameters, or only free-form strings)
        except (Exception, FailureGroup) as exc:  # FailureGroup is a BaseExceptionGroup
            outcome.failures.append(f"{label} ({caller.name}): {exc}")
    return outcome


def load_operations(base_url: str):
    schema = schemathesis.openapi.from_url(f"{base_url}/api/schema")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [operation.label for operation in operations]
    return schema, operations


def passes_for(
    schema, operations, base_url: str, caller: Caller, modes: dict[GenerationMode, int]
) -> Iterator[Pass]:
    """The negative coverage phase (unless `modes` is positive only), then fuzzing per mode."""
    for operation in operations:
        if GenerationMode.NEGATIVE in modes:
            label = f"{operation.label} coverage"
            yield caller, label, partial(cover, schema, operation, base_url, caller)
            label = f"{operation.label} wrong-shaped body"
            yield caller, label, partial(reshape, operation, base_url, caller)
        for mode, examples in modes.items():
            label = f"{operation.label} {mode.value}"
            yield caller, label, partial(fuzz, operation, base_url, caller, mode, examples)


def test_no_request_as_the_test_double_admin_or_anonymous_gets_a_server_error(product, settings):
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")
    schema, operations = load_operations(product.url)
    admin = Caller("test-double admin", known_records(), headers=TEST_DOUBLE_ADMIN)
    anonymous = Caller("anonymous", admin.known)
    passes = [
        *passes_for(schema, operations, product.url, admin, EXAMPLES),
        *passes_for(schema, operations, product.url, anonymous, ANONYMOUS_EXAMPLES),
    ]

    outcome = run_all(passes)

    assert outcome.failures == [], "\n\n".join(outcome.failures)


def test_no_negative_request_as_the_signed_in_demo_admin_gets_a_server_error(product):
    browser, final = browser_login(product, ADMIN)
    assert final.status_code == HTTPStatus.FOUND, final.text
    sid = browser.cookies["sid"]
    schema, operations = load_operations(product.url)
    # The admin's own record is never a target: a blocked or moved admin ends the run's session.
    known = known_records(leave_out_email=ADMIN[0])
    admin = Caller("signed-in demo admin", known, cookies={"sid": sid}, narrow_filters=True)
    modes = {GenerationMode.NEGATIVE: SIGNED_IN_NEGATIVE_EXAMPLES}

    outcome = run_all(passes_for(schema, operations, product.url, admin, modes))

    assert outcome.failures == [], "\n\n".join(outcome.failures)
    assert outcome.refused_on_the_admin_api() == {}
    me = requests.get(f"{product.url}/userinfo", cookies={"sid": sid}, timeout=10)
    assert (me.status_code, me.json()["email"]) == (HTTPStatus.OK, ADMIN[0])
