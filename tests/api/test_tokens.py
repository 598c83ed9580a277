"""Personal API tokens: shown once, stored hashed, revocable, expiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from errata.models import ApiToken
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(client, creator):
    client.force_login(creator)
    return client


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(session, creator):
    response = session.post(
        "/api/tokens/", {"name": "render farm"}, content_type="application/json"
    )
    assert response.status_code == 201
    key = response.json()["key"]
    assert key.startswith("errata_") and len(key) > 40

    token = ApiToken.objects.get(user=creator)
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in {token.key_hash, token.prefix, token.name}
    assert key.startswith(token.prefix) and len(token.prefix) == 14

    listed = session.get("/api/tokens/").json()["results"][0]
    assert "key" not in listed
    assert listed["prefix"] == token.prefix
    assert "key" not in session.get(f"/api/tokens/{token.pk}/").json()


def test_a_token_authenticates_as_its_owner_and_records_its_use(creator, video):
    client = token_client(creator)
    token = ApiToken.objects.get(user=creator)
    assert token.last_used_at is None
    response = client.get("/api/videos/")
    assert [v["slug"] for v in response.json()["results"]] == [video.slug]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_token_keyword_works_as_well_as_bearer(creator, video, client):
    key = token_client(creator)._credentials["HTTP_AUTHORIZATION"].split()[1]
    response = client.get("/api/videos/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_a_revoked_token_stops_working(creator, video):
    client = token_client(creator)
    token = ApiToken.objects.get(user=creator)
    assert client.get("/api/videos/").status_code == 200
    revoked = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert revoked.json()["is_active"] is False
    response = client.get("/api/videos/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    # Revoking again keeps the first date.
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    token_client(creator).post(f"/api/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_an_expired_token_stops_working(creator, video):
    client = token_client(creator)
    ApiToken.objects.filter(user=creator).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/videos/").status_code == 401


def test_an_unknown_token_is_refused(client):
    response = client.get("/api/videos/", HTTP_AUTHORIZATION="Bearer errata_not-a-real-key")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_a_deactivated_account_cannot_use_its_tokens(creator, video):
    client = token_client(creator)
    creator.is_active = False
    creator.save()
    assert client.get("/api/videos/").status_code == 401


def test_a_token_that_expires_in_the_past_cannot_be_made(session):
    response = session.post(
        "/api/tokens/",
        {"name": "old", "expires_at": "2000-01-01T00:00:00Z"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]


def test_the_command_line_makes_a_token_and_prints_its_key_once(creator, video, capsys):
    call_command("create_api_token", creator.username, "--name", "render farm")
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=creator)
    assert (token.name, token.key_hash) == ("render farm", ApiToken.hash_key(key))
    response = APIClient().get("/api/videos/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
