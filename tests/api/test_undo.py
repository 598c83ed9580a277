"""Undo over the API: an undoable action names its record in Undo-Location; POSTing the
record's undo restores the state before, once, for its own actor only."""

from __future__ import annotations

import pytest

from errata.models import Erratum, Finding, ReviewLink
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


def test_an_accept_names_its_undo_and_the_undo_takes_it_back(api, world):
    ids = [f.pk for f in world.findings_new]
    response = api.post("/api/errata/", {"finding_ids": ids}, format="json")
    assert response.status_code == 201
    location = response["Undo-Location"]
    erratum_id = response.json()["id"]

    record = api.get(location).json()
    assert (record["kind"], record["undoable"], record["undone_at"]) == ("accept", True, None)
    response = api.post(location + "undo/")
    assert response.status_code == 200
    assert response.json()["undone_at"] is not None
    assert not Erratum.objects.filter(pk=erratum_id).exists()
    assert set(Finding.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"new"}

    again = api.post(location + "undo/")
    assert again.status_code == 409
    assert "already undone" in again.content.decode()


def test_a_status_change_and_a_revoke_are_undone_over_the_api(api, world, review_link):
    erratum = world.erratum_open
    response = api.post(f"/api/errata/{erratum.pk}/accept/")
    assert response.status_code == 200
    assert api.post(response["Undo-Location"] + "undo/").status_code == 200
    assert Erratum.objects.get(pk=erratum.pk).status == erratum.status

    response = api.post(f"/api/review-links/{review_link.pk}/revoke/")
    assert ReviewLink.objects.get(pk=review_link.pk).revoked_at is not None
    assert api.post(response["Undo-Location"] + "undo/").status_code == 200
    assert ReviewLink.objects.get(pk=review_link.pk).revoked_at is None


def test_a_dismissal_undone_after_a_change_is_a_409(api, world):
    finding = world.findings_new[0]
    response = api.post(
        "/api/findings/dismiss/", {"finding_ids": [finding.pk], "category": "none"}, format="json"
    )
    location = response["Undo-Location"]
    api.post(f"/api/findings/{finding.pk}/restore/")
    response = api.post(location + "undo/")
    assert response.status_code == 409
    assert Finding.objects.get(pk=finding.pk).state == "new"


def test_nobody_else_sees_or_undoes_your_action(api, world, teammate, outsider):
    response = api.post(
        "/api/findings/dismiss/",
        {"finding_ids": [world.findings_new[0].pk], "category": "none"},
        format="json",
    )
    location = response["Undo-Location"]
    for user in (teammate, outsider):
        other = token_client(user)
        assert other.get(location).status_code == 404
        assert other.post(location + "undo/").status_code == 404
    assert api.post("/api/undo/99999999999999999999/undo/").status_code == 404
    assert Finding.objects.get(pk=world.findings_new[0].pk).state == "dismissed"
