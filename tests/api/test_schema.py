"""The OpenAPI schema is valid OpenAPI 3, the documentation page works without any CDN, and a
bounded schemathesis run finds no 5xx and no answer that breaks the schema."""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV30SpecValidator

from errata.api.tokens import api_token_create

pytestmark = pytest.mark.django_db

# Examples per operation: enough to reach past the happy path, few enough for `make test`.
EXAMPLES_PER_OPERATION = 12


def test_the_schema_validates_as_openapi_3():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on any violation of the OpenAPI 3.0 JSON schema
    assert schema["openapi"].startswith("3.")
    assert "Error" in schema["components"]["schemas"]


def test_the_schema_passes_openapi_spec_validator():
    """The schema as served, checked by openapi-spec-validator, which also checks that every
    default and example is valid against its own schema (a default of "" under minLength: 1
    is not). Clients generate code from it."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    served = json.loads(
        OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    )
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in OpenAPIV30SpecValidator(served).iter_errors()
    ]
    assert errors == []


def test_the_schema_is_served_to_anyone(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Errata API"


def test_the_documentation_page_loads_its_assets_from_the_app_not_a_cdn(client, settings):
    # Tests run without collectstatic, so without the hashed-name manifest of production.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in s for s in sources), sources
    assert all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), f"{source} does not ship with the app"
    assert "/api/schema/" in page


@pytest.fixture
def api_world(world, creator, settings):
    """The usual world, a creator's token, and rates no run can reach."""
    settings.API_THROTTLE_RATES = {
        "token": "100000/min",
        "review_link": "100000/min",
        "user": "100000/min",
    }
    return world


@pytest.fixture(autouse=True)
def _connection_kept_open():
    """Requests go through Django's WSGI handler, whose request_finished signal closes a
    database connection found inside a transaction; the test's transaction is one. Django's own
    test client unhooks the same receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def creator_key(creator) -> str:
    return api_token_create(user=creator, name="schemathesis").key


def _load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema as /api/schema/ serves it, sent to the app in-process (WSGI)."""
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = WSGIHandler()
    loaded.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True)
    return loaded


# Loaded at collection (not from a fixture: schemathesis' lazy loader does not work with this
# pytest). Generating the schema needs Django set up, which pytest-django has done by then.
schema = _load_schema()

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_5xx_or_an_answer_outside_the_schema(
    case, api_world, creator_key
):
    case.call_and_validate(headers={"Authorization": f"Bearer {creator_key}"}, checks=CHECKS)
