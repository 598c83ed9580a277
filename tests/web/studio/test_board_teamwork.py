"""The board that keeps up (counts and sections after quick actions, polled counts), refusals
beside their field, and the team's work: assignees, the discussion, new since the last visit,
severity and title in place."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from errata.fixes.services import erratum_create_from_findings
from errata.fixes.teamwork import erratum_note_create
from errata.models import CutVisit, Erratum, ErratumNote
from tests import factories
from tests.studio_scenario import mabye_reports, report

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def errata(cut, scenes, creator):
    typo = erratum_create_from_findings(
        finding_ids=[f.pk for f in mabye_reports(cut, scenes)], actor=creator
    )
    late = erratum_create_from_findings(
        finding_ids=[
            report(
                cut, "the arrow at 12:00 overlaps", 720, category="visual", scene=scenes["Rest"]
            ).pk
        ],
        actor=creator,
    )
    return {"typo": typo, "late": late}


def _board_url(cut) -> str:
    return f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/board/"


def _chips(html: str) -> dict[str, int]:
    return {
        status: int(n)
        for status, n in re.findall(
            r'data-status="(\w+)">[^<]*<strong>(\d+)</strong>', unescape(html)
        )
    }


def _sections(html: str) -> dict[str, list[int]]:
    """Each board section's title and the errata in it, in order."""
    sections: dict[str, list[int]] = {}
    for part in html.split('class="section-title"')[1:]:
        title = unescape(part.split(">", 1)[1].split("<", 1)[0].strip())
        sections[title] = [int(pk) for pk in re.findall(r'id="erratum-row-(\d+)"', part)]
    return sections


def test_quick_accept_fixed_verified_on_the_board_update_the_chips_and_move_the_row(
    signed_in, cut, errata
):
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160)
    erratum = errata["typo"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/"
    # The board as the creator looks at it: by status, which htmx says with the page's URL.
    page = {**HTMX, "HX-Current-URL": f"http://testserver{_board_url(cut)}?view=status"}
    before = signed_in.get(_board_url(cut), {"view": "status"}).content.decode()
    assert _chips(before)["open"] == 2 and _chips(before)["accepted"] == 0
    assert erratum.pk in _sections(before)["Open"]

    steps = [
        ({"status": "accepted"}, "Accepted", {"open": 1, "accepted": 1, "fixed": 0}),
        ({"status": "fixed", "fixed_in_cut": v2.pk}, "Fixed", {"accepted": 0, "fixed": 1}),
        ({"status": "verified"}, "Verified", {"fixed": 0, "verified": 1}),
    ]
    for data, section, chips in steps:
        erratum.refresh_from_db()
        response = signed_in.post(
            url, {"from": "board", "version": erratum.version, **data}, headers=page
        )
        assert response.status_code == 200
        assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#board-list", "outerHTML")
        html = response.content.decode()
        assert chips.items() <= _chips(html).items()
        sections = _sections(html)
        assert erratum.pk in sections[section]
        assert erratum.pk not in sections.get("Open", [])
        # The row acted on is the one that takes the focus after the swap.
        assert re.search(rf'id="erratum-row-{erratum.pk}"[^>]*data-acted', html)
        assert 'role="status"' in html


def test_a_quick_action_keeps_the_boards_filters(signed_in, cut, errata):
    erratum = errata["typo"]
    page = {
        **HTMX,
        "HX-Current-URL": f"http://testserver{_board_url(cut)}?view=status&category=typo",
    }
    html = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/",
        {"from": "board", "status": "accepted", "version": erratum.version},
        headers=page,
    ).content.decode()
    assert f'id="erratum-row-{erratum.pk}"' in html
    assert f'id="erratum-row-{errata["late"].pk}"' not in html


@pytest.mark.parametrize("status", ["wontfix", "not_an_error"])
def test_a_closing_status_without_a_reason_is_refused_beside_the_reason_field(
    signed_in, cut, errata, status
):
    erratum = errata["late"]
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/",
        {"status": status, "reason": "  ", "version": erratum.version},
        headers=HTMX,
    )
    assert response.status_code == 400
    html = response.content.decode()
    # Beside the field, tied to it, focused; not a page-top alert.
    error = re.search(
        r'<span class="field-error" id="status_reason-error" role="alert">([^<]+)', html
    )
    assert error and "Say why" in unescape(error.group(1))
    textarea = re.search(r"<textarea[^>]*id=\"status_reason\"[^>]*>", html).group(0)
    assert 'aria-describedby="status_reason-error"' in textarea
    assert 'aria-invalid="true"' in textarea and "autofocus" in textarea
    assert 'class="alert"' not in html
    # The choice made is still chosen.
    assert re.search(rf'value="{status}" checked', html)
    assert not re.search(r'value="accepted" checked', html)
    assert Erratum.objects.get(pk=erratum.pk).status == "open"


def test_a_member_assigns_an_erratum_to_a_teammate_and_filters_by_assigned_to_me(
    signed_in, client, cut, errata, creator, teammate
):
    erratum = errata["typo"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/quick/"
    response = signed_in.post(url, {"from": "board", "assignee": teammate.pk}, headers=HTMX)
    assert response.status_code == 200
    erratum.refresh_from_db()
    assert erratum.assignee == teammate
    assert erratum.events.filter(kind="edited").last().changes == {
        "assignee": [None, str(teammate)]
    }
    mine = signed_in.get(_board_url(cut), {"assignee": "me"}).content.decode()
    assert f'id="erratum-row-{erratum.pk}"' not in mine
    nobody = signed_in.get(_board_url(cut), {"assignee": "nobody"}).content.decode()
    assert f'id="erratum-row-{errata["late"].pk}"' in nobody
    assert f'id="erratum-row-{erratum.pk}"' not in nobody
    client.force_login(teammate)
    theirs = client.get(_board_url(cut), {"assignee": "me"}).content.decode()
    assert f'id="erratum-row-{erratum.pk}"' in theirs
    assert f'id="erratum-row-{errata["late"].pk}"' not in theirs


def test_only_a_member_of_the_team_can_be_assigned(signed_in, cut, errata, outsider, patron):
    erratum = errata["typo"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/quick/"
    for who in (outsider.pk, patron.pk, 10**12, "x"):
        response = signed_in.post(url, {"from": "board", "assignee": who}, headers=HTMX)
        assert response.status_code == 400
        assert "Assignee" in response.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).assignee is None


def test_severity_is_set_in_place_and_a_bad_one_is_refused_naming_the_field(signed_in, cut, errata):
    erratum = errata["typo"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/quick/"
    response = signed_in.post(url, {"from": "board", "severity": "critical"}, headers=HTMX)
    assert response.status_code == 200
    assert Erratum.objects.get(pk=erratum.pk).severity == "critical"
    refused = signed_in.post(url, {"from": "board", "severity": "apocalyptic"}, headers=HTMX)
    assert refused.status_code == 400
    assert "Severity" in refused.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).severity == "critical"


def test_the_title_field_after_an_accept_saves_the_title_typed_over_the_suggestion(
    signed_in, cut, scenes
):
    findings = mabye_reports(cut, scenes)
    accepted = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/inbox/accept/",
        {
            "finding": [f.pk for f in findings],
            "category": "typo",
            "severity": "medium",
            "remedy": "rerender",
        },
        headers=HTMX,
    ).content.decode()
    erratum = Erratum.objects.get()
    field = re.search(r"<input[^>]*data-accept-title[^>]*>", accepted).group(0)
    assert "autofocus" in field
    assert unescape(re.search(r'value="([^"]*)"', field).group(1)) == erratum.title
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/quick/"
    saved = signed_in.post(url, {"from": "inbox", "title": "Maybe misspelt"}, headers=HTMX)
    assert saved.status_code == 200 and "Maybe misspelt" in saved.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).title == "Maybe misspelt"
    refused = signed_in.post(url, {"from": "inbox", "title": "   "}, headers=HTMX)
    assert refused.status_code == 400 and "needs a title" in refused.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).title == "Maybe misspelt"


def test_the_team_discusses_an_erratum_escaped_and_patrons_never_see_it(
    signed_in, client, cut, errata, review_link, teammate
):
    erratum = errata["typo"]
    page = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/"
    hostile = "Check <script>alert(1)</script> and [link](javascript:alert(1)) **now**"
    response = signed_in.post(page + "notes/", {"text": hostile})
    assert response.status_code == 302
    html = signed_in.get(page).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert ErratumNote.objects.get().text == hostile
    empty = signed_in.post(page + "notes/", {"text": "   "}, headers=HTMX)
    assert empty.status_code == 400
    assert 'id="id_text-error"' in empty.content.decode()
    # A patron's review page of the same cut never carries it.
    review = client.get(review_link.get_absolute_url()).content.decode()
    assert "alert(1)" not in review


def test_an_outsider_cannot_read_or_post_to_the_discussion(client, cut, errata, outsider):
    erratum = errata["typo"]
    erratum_note_create(erratum=erratum, author=None, text="team only")
    client.force_login(outsider)
    page = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/"
    assert client.get(page).status_code == 404
    assert client.post(page + "notes/", {"text": "hi"}).status_code == 404
    assert ErratumNote.objects.count() == 1


def test_the_board_and_inbox_mark_what_came_since_the_last_visit(
    signed_in, cut, scenes, errata, creator
):
    board = signed_in.get(_board_url(cut)).content.decode()
    assert "badge-new" not in board  # a first visit marks nothing
    visit = CutVisit.objects.get(user=creator, cut=cut)
    CutVisit.objects.filter(pk=visit.pk).update(board_seen_at=timezone.now() - timedelta(hours=1))
    Erratum.objects.filter(pk=errata["late"].pk).update(
        created_at=timezone.now() - timedelta(days=1), updated_at=timezone.now() - timedelta(days=1)
    )
    board = signed_in.get(_board_url(cut)).content.decode()
    new_row = re.search(rf'id="erratum-row-{errata["typo"].pk}".*?</tr>', board, re.S).group(0)
    old_row = re.search(rf'id="erratum-row-{errata["late"].pk}".*?</tr>', board, re.S).group(0)
    assert "badge-new" in new_row and "badge-new" not in old_row
    # The marks stay through the page's htmx refreshes, and go at the next visit.
    again = signed_in.get(_board_url(cut), {"view": "status"}, headers=HTMX).content.decode()
    assert again.count("badge-new") == 1
    assert "badge-new" not in signed_in.get(_board_url(cut)).content.decode()

    inbox_url = f"/studio/videos/{cut.video.slug}/cuts/1/inbox/"
    signed_in.get(inbox_url)
    CutVisit.objects.filter(user=creator, cut=cut).update(
        inbox_seen_at=timezone.now() - timedelta(minutes=5)
    )
    report(cut, "the colour at 1:00 is hard to read", 60, category="color")
    inbox = signed_in.get(inbox_url).content.decode()
    assert inbox.count("badge-new") == 1


def test_the_polled_counts_answer_304_when_nothing_changed_and_show_a_teammates_work(
    signed_in, cut, errata, teammate, django_assert_max_num_queries
):
    url = f"/studio/videos/{cut.video.slug}/cuts/1/counts/"
    # Session, user, membership, video, cut; the status counts and the inbox's counts.
    with django_assert_max_num_queries(7):
        first = signed_in.get(url, headers=HTMX)
    assert first.status_code == 200
    assert _chips(first.content.decode())["open"] == 2
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    etag = first["ETag"]
    with django_assert_max_num_queries(7):
        same = signed_in.get(url, headers={**HTMX, "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    # A teammate accepts one: the next poll has new counts and a new ETag.
    from errata.fixes.services import erratum_transition

    erratum_transition(erratum=errata["typo"], status="accepted", actor=teammate)
    changed = signed_in.get(url, headers={**HTMX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert _chips(changed.content.decode())["accepted"] == 1


def test_the_counts_of_another_teams_cut_are_not_found(client, cut, errata, outsider):
    client.force_login(outsider)
    assert client.get(f"/studio/videos/{cut.video.slug}/cuts/1/counts/").status_code == 404


@pytest.mark.parametrize("count", [20, 200])
def test_the_board_with_assignees_and_marks_renders_in_a_fixed_number_of_queries(
    signed_in, cut, scenes, count, creator, teammate, django_assert_max_num_queries
):
    from tests.studio_scenario import bulk_errata

    made = bulk_errata(cut, count, per_erratum=2, scenes=scenes.values())
    Erratum.objects.filter(pk__in=[e.pk for e in made[::2]]).update(assignee=teammate)
    signed_in.get(_board_url(cut))
    with django_assert_max_num_queries(16):
        response = signed_in.get(_board_url(cut))
    assert response.content.decode().count('class="erratum-row"') == min(count, 100)


def test_the_api_assigns_a_team_member_and_refuses_anyone_else(
    cut, errata, creator, teammate, outsider
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(creator)
    erratum = errata["typo"]
    url = f"/api/errata/{erratum.pk}/"
    response = api.patch(url, {"assignee": teammate.pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == teammate.pk
    for who in (outsider.pk, 10**12):
        refused = api.patch(url, {"assignee": who}, format="json")
        assert refused.status_code == 400 and "assignee" in refused.json()["fields"]
    assert Erratum.objects.get(pk=erratum.pk).assignee == teammate
    cleared = api.patch(url, {"assignee": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["assignee"] is None
