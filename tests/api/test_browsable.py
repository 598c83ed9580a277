"""The browsable API (HTML, for a signed-in person poking around) renders every list and its
forms without errors."""

from __future__ import annotations

import pytest

from tests.api.test_query_counts import LISTS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", LISTS)
def test_a_signed_in_person_can_browse_every_list(url, client, creator, world, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(creator)
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content
