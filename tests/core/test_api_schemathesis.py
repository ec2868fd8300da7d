"""Property-based run of the whole API from its OpenAPI document (schemathesis): valid and
invalid requests alike must never get a 5xx answer."""

from __future__ import annotations

import contextlib
import logging
import os
import traceback

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from fangkong.core.services.tokens import create_token
from fangkong.wsgi import application
from tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

# The whole API (every app's router) gets a budget of about this many requests, so the run
# stays near a minute as the API grows; each operation gets between 5 and 25 examples.
# FANGKONG_SCHEMATHESIS_EXAMPLES=N sets the number per operation (e.g. 200 for a long run).
TOTAL_BUDGET = 900


def examples_per_operation(n_operations: int) -> int:
    if env := os.environ.get("FANGKONG_SCHEMATHESIS_EXAMPLES"):
        return int(env)
    return max(5, min(25, TOTAL_BUDGET // max(1, n_operations)))


def strategy_for(operation):
    modes = [operation.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # some operations have nothing to negate
        modes.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(modes)


class ErrorLog(logging.Handler):
    """Keeps the server-side tracebacks of 5xx answers, for the failure report."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record):
        tb = "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
        self.lines.append(f"{record.getMessage()}\n{tb}")


@pytest.fixture
def keep_the_test_connection():
    """The bare WSGI handler closes old database connections at each request's start and end,
    which would close the connection holding the test's transaction (PostgreSQL). Django's
    own test client disconnects the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    handler = ErrorLog()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_api_never_answers_with_a_server_error(
    users, county, server_errors, keep_the_test_connection
):
    for area in (county.village_a, county.village_b):
        for _ in range(3):
            PersonFactory(area=area, household=HouseholdFactory(area=area))
    _token, key = create_token(by=users["county"], name="schemathesis", days=1)
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = examples_per_operation(len(operations))

    for operation in operations:

        @settings(
            max_examples=per_operation,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy_for(operation))
        def run(case):
            with transaction.atomic():  # each request's writes are undone: examples stay apart
                server_errors.lines.clear()
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                logged = "\n".join(server_errors.lines)
                raise AssertionError(
                    f"{case.method} {case.formatted_path} query={case.query} body={case.body!r} "
                    f"-> {response.status_code}\n{logged}"
                )
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")

    assert len(operations) >= 4
    assert not failures, "\n\n".join(failures)
