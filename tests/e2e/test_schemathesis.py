"""Issue 9 item 10: Schemathesis against the product's own OpenAPI description (drf-spectacular,
`/api/schema`): no generated request, valid or not, signed in as an admin or anonymous, gets a 5xx.

The product runs as pytest-django's live server (so PostgreSQL-only failures, such as a NUL byte
in a text field, show up in the services run), against a real emulator for the Management API.
The admin is the acl's test double (`Authorization: Bearer test-admin-token`): a generated
`POST /users/state {"filter": {}, "stateTo": "TRASH"}` would otherwise lock the real demo admin
out half-way through the run. Examples per operation are bounded to keep the run near a minute.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from auth0client.config import default_config_document, parse_service_config
from auth0emulator.testing import demo_seed

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ADMIN = {"Authorization": "Bearer test-admin-token"}
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 25}
ANONYMOUS_EXAMPLES = 8


@dataclass(frozen=True)
class Known:
    """Records that exist, so that generated requests get past "not found" now and then."""

    user_ids: tuple[str, ...]
    groups: tuple[str, ...]
    emails: tuple[str, ...]


@pytest.fixture
def product(live_server, emulator_factory, settings):
    emulator = emulator_factory(demo_seed(live_server.url))
    document = default_config_document(auth0_url=emulator.url, product_url=live_server.url)
    settings.AUTH0_SERVICE_CONFIG = parse_service_config(document, source="e2e", lookup={}.get)
    settings.ACL = replace(settings.ACL, user_resolver="acl.testing.StaticUserResolver")
    settings.AUTH0_TIMEOUT_SECONDS = 5.0
    call_command("seed_demo", "--wait", "10", stdout=io.StringIO(), stderr=io.StringIO())
    return live_server.url


def known_records() -> Known:
    from usermanager.models import UMSConfiguration, User

    users = list(User.objects.values_list("id", "email"))
    groups = tuple(UMSConfiguration.objects.values_list("user_group", flat=True))
    return Known(tuple(i for i, _ in users), groups, tuple(e for _, e in users))


VALID_CRUD_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


def steered(strategy, known: Known):
    """Sometimes swap a generated id, group or schema for one that exists or is valid."""

    def steer(drawn) -> object:
        case, (use_known, user_id, group, email) = drawn
        if not use_known:
            return case
        params = case.path_parameters or {}
        if "user_id" in params:
            params["user_id"] = user_id
        if "configuration_id" in params:
            params["configuration_id"] = group
        if isinstance(case.body, dict):
            body = case.body
            for field, value in (("userGroup", group), ("email", email), ("_id", user_id)):
                if field in body:
                    body[field] = value
            if "crudSchema" in body:
                body["crudSchema"] = VALID_CRUD_SCHEMA
            if isinstance(body.get("filter"), dict):
                body["filter"]["email"] = email
        return case

    extras = st.tuples(
        st.booleans(),
        st.sampled_from(known.user_ids),
        st.sampled_from(known.groups),
        st.sampled_from(known.emails),
    )
    return st.tuples(strategy, extras).map(steer)


def _fuzz(
    operation, base_url: str, headers: dict, mode: GenerationMode, examples: int, known: Known
) -> None:
    @given(case=steered(operation.as_strategy(generation_mode=mode), known))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same requests in every run: a CI failure reproduces locally
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        case.validate_response(response, checks=[not_a_server_error])

    run()


def test_no_generated_request_gets_a_server_error(product):
    schema = schemathesis.openapi.from_url(f"{product}/api/schema")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [operation.label for operation in operations]
    known = known_records()
    failures = []
    for operation in operations:
        passes = [(ADMIN, mode, examples) for mode, examples in EXAMPLES.items()]
        passes.append(({}, GenerationMode.POSITIVE, ANONYMOUS_EXAMPLES))
        for headers, mode, examples in passes:
            who = "admin" if headers else "anonymous"
            try:
                _fuzz(operation, product, headers, mode, examples, known)
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, or only free-form strings)
            except Exception as exc:
                failures.append(f"{operation.label} ({who}, {mode.value}): {exc}")

    assert failures == [], "\n\n".join(failures)
