"""Errata carry a version. Every answer names it in ETag; a write sent with a stale If-Match is
refused with 412 and changes nothing, so two editors never overwrite each other silently."""

from __future__ import annotations

import pytest

from errata.models import Erratum, Finding
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(creator, teammate):
    return token_client(creator), token_client(teammate)


def test_reading_an_erratum_gives_its_version_as_etag(editors, world):
    creator, _ = editors
    response = creator.get(f"/api/errata/{world.erratum_open.pk}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["version"] == 1


def test_a_second_editor_with_a_stale_if_match_gets_412_and_overwrites_nothing(editors, world):
    creator, teammate = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    etag = creator.get(url)["ETag"]
    assert teammate.get(url)["ETag"] == etag  # both read version 1

    first = creator.patch(url, {"title": "Misspelled maybe"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] == '"2"'

    second = teammate.patch(url, {"title": "Typo: mabye"}, HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    body = second.json()
    assert body["code"] == "stale_version"
    assert "changed by someone else" in body["detail"]
    erratum = Erratum.objects.get(pk=world.erratum_open.pk)
    assert (erratum.title, erratum.version) == ("Misspelled maybe", 2)


def test_the_second_editor_succeeds_after_reloading(editors, world):
    creator, teammate = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    creator.patch(url, {"title": "Misspelled maybe"}, HTTP_IF_MATCH='"1"')
    fresh = teammate.get(url)["ETag"]
    response = teammate.patch(url, {"severity": "high"}, HTTP_IF_MATCH=fresh)
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["severity"]) == ("Misspelled maybe", "high")


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("accept", {}),
        ("fix", {"fixed_in_cut": "cut2"}),
        ("wontfix", {"reason": "Nobody will notice."}),
        ("not-an-error", {"reason": "Both spellings exist."}),
    ],
)
def test_a_status_change_with_a_stale_if_match_is_refused(editors, world, action, body):
    creator, _ = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    creator.patch(url, {"severity": "high"})  # now version 2
    if body.get("fixed_in_cut") == "cut2":
        body = {"fixed_in_cut": world.cut2.pk}
    response = creator.post(f"{url}{action}/", body, HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert Erratum.objects.get(pk=world.erratum_open.pk).status == "open"


def test_a_status_change_with_the_current_if_match_goes_through(editors, world):
    creator, _ = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    response = creator.post(f"{url}fix/", {"fixed_in_cut": world.cut2.pk}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert (response.json()["status"], response["ETag"]) == ("fixed", '"2"')


def test_a_merge_with_a_stale_if_match_moves_no_finding(editors, world):
    creator, _ = editors
    source = world.erratum_dup
    creator.patch(f"/api/errata/{source.pk}/", {"severity": "low"})  # now version 2
    response = creator.post(
        f"/api/errata/{source.pk}/merge/", {"into": world.erratum_open.pk}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert Erratum.objects.get(pk=source.pk).merged_into_id is None
    assert Finding.objects.filter(erratum=source).count() == 1


def test_adding_findings_with_a_stale_if_match_claims_none(editors, world):
    creator, _ = editors
    erratum = world.erratum_open
    creator.patch(f"/api/errata/{erratum.pk}/", {"severity": "low"})
    new = world.findings_new[0]
    response = creator.post(
        f"/api/errata/{erratum.pk}/findings/", {"finding_ids": [new.pk]}, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert Finding.objects.get(pk=new.pk).state == "new"


@pytest.mark.parametrize("header", ['W/"1"', "1", '"one"', '"2", "3"'])
def test_an_if_match_that_names_no_current_version_is_refused(editors, world, header):
    creator, _ = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    response = creator.patch(url, {"title": "Changed"}, HTTP_IF_MATCH=header)
    assert response.status_code == 412
    assert Erratum.objects.get(pk=world.erratum_open.pk).title == world.erratum_open.title


@pytest.mark.parametrize("header", ['"1"', '"7", "1"', "*"])
def test_an_if_match_naming_the_current_version_or_any_is_accepted(editors, world, header):
    creator, _ = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    assert creator.patch(url, {"title": "Changed"}, HTTP_IF_MATCH=header).status_code == 200


def test_without_if_match_the_last_write_wins(editors, world):
    creator, teammate = editors
    url = f"/api/errata/{world.erratum_open.pk}/"
    creator.patch(url, {"title": "First"})
    assert teammate.patch(url, {"title": "Second"}).status_code == 200
    assert Erratum.objects.get(pk=world.erratum_open.pk).version == 3
