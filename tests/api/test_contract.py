"""Contract tests: schemathesis generates requests from the OpenAPI schema for every operation and every
role, and each answer must be no 5xx, a documented status, a documented media type, and a body that
matches the schema. Valid requests (positive mode) and invalid ones (negative mode: wrong types, missing
or unknown fields…) both; invalid ones must also be refused with a 4xx.

Examples are few per operation (CONTRACT_EXAMPLES, default 4) so the whole run stays within a CI minute
or two; the permission matrix and the other tests cover the semantics.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi._hypothesis import can_negate_headers
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_issue
from config.wsgi import application

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "4"))
ROLES = ("organiser", "staff", "coordinator", "student", "anonymous")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Invalid requests are generated for the organiser, who may reach every operation's validation; the other
# roles are refused before their body is read, so for them valid requests exercise what differs.
MODES = {
    role: [schemathesis.GenerationMode.POSITIVE]
    + ([schemathesis.GenerationMode.NEGATIVE] if role == "organiser" else [])
    for role in ROLES
}
BODIES = {"POST", "PUT", "PATCH"}


@pytest.fixture
def app_in_test_transaction() -> Iterator[None]:
    """The real WSGI handler closes "old" connections around each request, and one inside the test's
    transaction looks old to it; Django's own test client unhooks this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings: pytest.FixtureRequest) -> Iterator[None]:
    rates = {scope: "100000/min" for scope in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}  # type: ignore[attr-defined]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}  # type: ignore[attr-defined]
    cache.clear()
    yield
    cache.clear()


def breakable(operation: Any) -> bool:
    """Whether an invalid request for this operation can reach the API.

    A path parameter of ours is any non-empty segment without "/" (``[^/]+``): broken (empty, or with a
    "/"), it no longer makes a path of this operation, and schemathesis rejects every such case until
    hypothesis gives up (Unsatisfiable, seconds of drawing for nothing). An operation with nothing else
    to break — no body, no query, no header or cookie of its own — is sent valid requests only, which is
    all it ever got."""
    if operation.body and any(item.is_negatable for item in operation.body.items):
        return True
    if operation.get_parameter_set(ParameterLocation.QUERY).schema["properties"]:
        return True
    for location in (ParameterLocation.HEADER, ParameterLocation.COOKIE):
        if operation.get_parameter_set(location).schema["properties"] and can_negate_headers(operation, location):
            return True
    return any(
        parameter.get("type") != "string" or set(parameter) - {"type", "pattern", "minLength"}
        for parameter in operation.path_parameters.schema["properties"].values()
    )


def exercise(operation: Any, mode: schemathesis.GenerationMode, headers: dict[str, str]) -> list[str]:
    """Generate EXAMPLES requests for one operation; the failures, described (none when it kept to it)."""
    failures: list[str] = []
    negative = mode == schemathesis.GenerationMode.NEGATIVE
    checks = CHECKS + ([negative_data_rejection] if negative else [])

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as failure:  # collected: one run reports them all
            failures.append(f"{mode.value} {case.method} {case.formatted_path}: {failure}"[:2000])

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body): positive mode covers it
        assert negative
    return failures


@functools.cache
def served_schema() -> Any:
    """The schema as the API serves it, loaded once for every role's test (it is the same for all: public)."""
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_to_the_schema(api, role, unthrottled, app_in_test_transaction):
    schema = served_schema()
    user = api.users[role]
    headers = {"Authorization": f"Token {api_token_issue(user=user)[0]}"} if user else {}
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if operation.path == "/api/v1/auth/logout/":
            continue  # it would end the token the rest of the run signs in with (tests/api/test_auth.py)
        for mode in MODES[role]:
            if mode == schemathesis.GenerationMode.NEGATIVE and (
                operation.method.upper() not in BODIES or not breakable(operation)
            ):
                continue
            failures += exercise(operation, mode, headers)
    assert operations > 40
    assert not failures, "\n\n".join(failures[:10]) + f"\n\n({len(failures)} failures)"
