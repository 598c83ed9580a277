"""One JSON error shape everywhere: {"status", "code", "detail", "fields"}. Bad input is a 400
with field messages, a lost race a 409, never a 500."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError

from errata.api.exceptions import Conflict, _translate
from errata.models import Erratum
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(creator):
    return token_client(creator)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "detail", "fields"}
    assert (body["status"], body["code"]) == (status, code)
    assert body["detail"]
    return body


def test_a_time_past_the_end_of_the_cut_is_a_400_naming_the_field(api, cut):
    response = api.post(
        "/api/comments/", {"cut": cut.pk, "text": "Late!", "timestamp_s": 1200}, format="json"
    )
    body = _error(response, 400, "invalid")
    assert "past the end of this cut (19:13)" in body["fields"]["timestamp_s"][0]
    assert body["detail"].startswith("timestamp_s: ")
    assert not cut.comments.exists()


def test_a_value_of_the_wrong_type_is_a_400(api, cut):
    response = api.post(
        "/api/comments/", {"cut": cut.pk, "text": "x", "timestamp_s": "soon"}, format="json"
    )
    assert "timestamp_s" in _error(response, 400, "invalid")["fields"]


def test_malformed_json_is_a_400(api):
    response = api.generic("POST", "/api/comments/", "{not json", content_type="application/json")
    _error(response, 400, "parse_error")


def test_nested_input_names_the_entry_at_fault(api, cut):
    response = api.put(
        f"/api/cuts/{cut.pk}/timeline/",
        {
            "spans": [
                {"scene": "Intro", "start_s": 0, "end_s": 10},
                {"scene": "Main", "start_s": -1},
            ]
        },
        format="json",
    )
    fields = _error(response, 400, "invalid")["fields"]
    assert set(fields) == {"spans.1.start_s", "spans.1.end_s"}


def test_a_rule_the_service_checks_is_a_400_with_its_message(api, cut):
    response = api.put(
        f"/api/cuts/{cut.pk}/timeline/",
        {"spans": [{"scene": "Intro", "start_s": 0, "end_s": 1200}]},
        format="json",
    )
    body = _error(response, 400, "invalid")
    assert "Intro ends at 20:00, past the end" in body["detail"]
    assert body["fields"] == {}


def test_a_filter_value_that_means_nothing_is_a_400(api):
    assert "status" in _error(api.get("/api/errata/?status=lost"), 400, "invalid")["fields"]
    assert "time_from" in _error(api.get("/api/errata/?time_from=noon"), 400, "invalid")["fields"]


def test_accepting_findings_someone_already_accepted_is_a_409_and_changes_nothing(api, world):
    ids = [f.pk for f in world.findings_new]
    assert api.post("/api/errata/", {"finding_ids": ids}, format="json").status_code == 201
    errata = Erratum.objects.count()
    body = _error(api.post("/api/errata/", {"finding_ids": ids}, format="json"), 409, "conflict")
    assert "already accepted or dismissed by someone else" in body["detail"]
    assert Erratum.objects.count() == errata


def test_a_status_change_the_erratum_cannot_make_is_a_409(api, world):
    body = _error(api.post(f"/api/errata/{world.erratum_open.pk}/verify/"), 409, "conflict")
    assert "cannot become verified" in body["detail"]


def test_closing_without_a_reason_is_a_400(api, world):
    response = api.post(f"/api/errata/{world.erratum_open.pk}/wontfix/", {"reason": " "})
    assert "reason" in _error(response, 400, "invalid")["fields"]


def test_another_teams_finding_cannot_join_our_erratum(api, world):
    theirs = factories.FindingFactory()
    response = api.post(
        f"/api/errata/{world.erratum_open.pk}/findings/",
        {"finding_ids": [theirs.pk]},
        format="json",
    )
    assert _error(response, 400, "invalid")["fields"] == {
        "finding_ids": ["Some of these findings do not exist."]
    }


def test_an_unknown_api_address_is_a_json_404(api):
    _error(api.get("/api/nothing-here/"), 404, "not_found")
    _error(api.post("/api/errata/12/unknown-action/"), 404, "not_found")


def test_a_method_an_endpoint_does_not_offer_is_a_json_405(api, video):
    _error(api.put(f"/api/videos/{video.slug}/", {}, format="json"), 405, "method_not_allowed")
    _error(api.delete(f"/api/videos/{video.slug}/"), 405, "method_not_allowed")


def test_no_credentials_is_a_401_that_says_how_to_authenticate(client):
    response = client.get("/api/videos/")
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="errata"'


def test_the_database_refusing_a_row_becomes_a_409_not_a_500():
    translated = _translate(IntegrityError("duplicate key value violates unique constraint"))
    assert isinstance(translated, Conflict)
    assert "duplicate key" in str(translated.detail)
    assert _translate(DataError("value out of range")).status_code == 400
