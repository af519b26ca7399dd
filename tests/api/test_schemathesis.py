"""Schemathesis against our OpenAPI schema, in process (WSGI): generated requests for
every operation, and not one may be a server error. Bounded examples keep it short.

The operations are walked in one test (rather than ``schema.parametrize()``) so the
schema loads inside the test database, after the published city is seeded."""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from django.core.cache import cache  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from core.models import Process  # noqa: E402

EXAMPLES_PER_OPERATION = 10

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep_test_connection() -> Any:
    """The WSGI handler closes the database connection after each request; inside the
    test's transaction that would drop the seeded city. Django's test client detaches
    the same handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error(published: Process, keep_test_connection: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    # Each operation with generated input, and those under a process once more with the
    # published process's slug, so the deep paths (results, fairness, ideas) run too.
    runs = [(operation, None) for operation in operations] + [
        (operation, {"slug": published.slug})
        for operation in operations
        if operation.path.startswith("/api/processes/{slug}")
    ]
    for operation, path_parameters in runs:

        @hypothesis.given(case=operation.as_strategy(path_parameters=path_parameters))
        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        def check(case: Any) -> None:
            # Throttle counters live in the cache: fresh for every request, so every
            # generated request reaches the view.
            cache.clear()
            case.call_and_validate(checks=[not_a_server_error])

        check()
