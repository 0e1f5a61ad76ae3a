"""Schemathesis against the gateway's OpenAPI schema, over a real socket: no 5xx, no drift.

Hypothesis generates requests from /openapi.json (bodies, path parameters, headers), sends
them to a running gateway with the API key, and checks every response against the schema:
a documented status, a documented content type, a body that matches its declared model,
and never a server error. This is the property-based fuzzing of the gateway's input.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.gateway import API_KEY, GatewayThread, gateway_settings
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A gateway (small body limit, no rate limit in the way) on a private Redis."""
    redis = RedisServer(tmp_path_factory.mktemp("schema-redis")).start()
    gateway = GatewayThread(redis.url, tmp_path_factory.mktemp("schema-store"), gateway_settings())
    try:
        yield gateway.start()
    finally:
        gateway.stop()
        redis.stop()


def test_every_operation_conforms_to_its_schema(gateway_url: str) -> None:
    """Generated requests to every operation get documented, schema-valid answers, no 5xx."""
    schema = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json", headers=AUTH)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def conforms(case: Case) -> None:
            case.call_and_validate(base_url=gateway_url, headers=AUTH, checks=CHECKS)

        conforms()
