"""schemathesis over every API operation, at FUZZ_API_EXAMPLES examples each (`make test` runs
12): no 5xx, and every answer inside the schema."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.api.test_schema import CHECKS, _connection_kept_open, _load_schema  # noqa: F401
from tests.fuzz.conftest import EXAMPLES, tried

pytestmark = pytest.mark.django_db

API_EXAMPLES = int(os.environ.get("FUZZ_API_EXAMPLES", str(max(25, EXAMPLES // 6))))

schema = _load_schema()
schema.config.generation.update(max_examples=API_EXAMPLES, deterministic=False)


@pytest.fixture
def creator_key(creator) -> str:
    from errata.api.tokens import api_token_create

    return api_token_create(user=creator, name="schemathesis").key


@schema.parametrize()
@settings(
    max_examples=API_EXAMPLES,
    derandomize=os.environ.get("FUZZ_SEED") is None,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_api_request_gets_a_5xx_or_an_answer_outside_the_schema(
    case, world, creator_key
):
    case.call_and_validate(headers={"Authorization": f"Bearer {creator_key}"}, checks=CHECKS)
    tried("api requests (schemathesis, every operation)")
