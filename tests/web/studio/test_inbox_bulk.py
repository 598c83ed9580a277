"""Bulk triage and Undo in the inbox, the chatter preview, and the inbox's small promises
(long comments shortened, the board link, human history, content suggestions kept)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errata.fixes.services import erratum_create_from_findings, erratum_update
from errata.io.exports.checklist import checklist_read
from errata.io.exports.markdown import render_markdown
from errata.models import DuplicateGroup, Erratum, Finding, UndoRecord
from tests import factories
from tests.studio_scenario import bulk_findings, mabye_reports, report, scenes_on

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _url(cut, tail: str = "") -> str:
    return f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/{tail}"


def _undo_url(cut, record) -> str:
    return f"/studio/videos/{cut.video.slug}/undo/{record.pk}/"


def _groups(cut):
    mabye = mabye_reports(cut, scenes_on(cut))
    arrow = report(cut, "The arrow at 3:00 points the wrong way", 180, category="visual")
    return mabye, arrow


def test_bulk_accept_makes_one_erratum_per_selected_group(signed_in, cut):
    mabye, arrow = _groups(cut)
    response = signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "accept", "group": [f"g{mabye[0].duplicate_group_id}", f"f{arrow.pk}"]},
        headers=HTMX,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Accepted 2 groups" in page
    assert 'data-action="undo"' in page
    assert Erratum.objects.count() == 2
    assert sorted(Erratum.objects.values_list("category", flat=True)) == ["typo", "visual"]
    assert sorted(e.findings.count() for e in Erratum.objects.all()) == [1, 3]


def test_bulk_accept_is_undone_in_one_step_from_the_inbox(signed_in, cut):
    mabye, arrow = _groups(cut)
    signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "accept", "group": [f"g{mabye[0].duplicate_group_id}", f"f{arrow.pk}"]},
        headers=HTMX,
    )
    record = UndoRecord.objects.get()
    response = signed_in.post(_undo_url(cut, record), {"inbox_cut": cut.number}, headers=HTMX)
    assert response.status_code == 200
    assert "Undone: bulk triage." in response.content.decode()
    assert not Erratum.objects.exists()
    assert Finding.objects.filter(state="new").count() == 4


def test_bulk_dismiss_and_category_change_every_selected_finding(signed_in, cut):
    mabye, arrow = _groups(cut)
    group = f"g{mabye[0].duplicate_group_id}"
    response = signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "category", "category": "notation", "group": [group]},
        headers=HTMX,
    )
    assert "Set 3 findings to notation." in response.content.decode()
    assert set(
        Finding.objects.filter(pk__in=[f.pk for f in mabye]).values_list("category", flat=True)
    ) == {"notation"}
    response = signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "dismiss-content", "group": [group, f"f{arrow.pk}"]},
        headers=HTMX,
    )
    assert "Dismissed 4 findings as content." in response.content.decode()
    assert Finding.objects.filter(state="dismissed", category="content").count() == 4


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "explode", "group": ["g1"]}, "action"),
        ({"action": "accept"}, "Select at least one group"),
        ({"action": "accept", "group": ["'; DROP TABLE"]}, "g&lt;number&gt;"),
        ({"action": "category", "category": "x" * 5000, "group": ["g1"]}, "category"),
        ({"action": "chatter", "finding": ["1e9"]}, "numbers"),
        ({"action": "chatter"}, "Nothing to dismiss"),
    ],
)
def test_bad_bulk_input_is_a_400_naming_the_field(signed_in, cut, data, field):
    _groups(cut)
    response = signed_in.post(_url(cut, "inbox/bulk/"), data, headers=HTMX)
    assert response.status_code == 400
    assert field in response.content.decode()
    assert not Erratum.objects.exists()


def test_a_bulk_action_on_a_group_triaged_meanwhile_is_a_conflict(signed_in, cut, creator):
    mabye, arrow = _groups(cut)
    erratum_create_from_findings(finding_ids=[arrow.pk], actor=creator)
    response = signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "accept", "group": [f"g{mabye[0].duplicate_group_id}", f"f{arrow.pk}"]},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert Erratum.objects.count() == 1


def test_the_chatter_preview_lists_what_goes_and_the_confirm_dismisses_only_that(signed_in, cut):
    _groups(cut)
    praise = report(cut, "Great video, thanks!", None, category="none")
    chatter = report(cut, "First!", 10, category="none")
    response = signed_in.get(_url(cut, "inbox/chatter/"), headers=HTMX)
    page = response.content.decode()
    assert "2 findings look like praise or chatter" in page
    assert "Great video, thanks!" in page and "First!" in page
    assert "mabye" not in page
    later = report(cut, "Love it", 20, category="none")

    response = signed_in.post(
        _url(cut, "inbox/bulk/"),
        {"action": "chatter", "finding": [praise.pk, chatter.pk]},
        headers=HTMX,
    )
    assert "Dismissed 2 findings as praise or chatter." in response.content.decode()
    assert set(Finding.objects.filter(state="dismissed").values_list("pk", flat=True)) == {
        praise.pk,
        chatter.pk,
    }
    assert Finding.objects.get(pk=later.pk).state == "new"
    record = UndoRecord.objects.get()
    signed_in.post(_undo_url(cut, record), {"inbox_cut": cut.number}, headers=HTMX)
    assert not Finding.objects.filter(state="dismissed").exists()


def test_the_chatter_confirm_refuses_findings_of_another_cut(signed_in, cut, video):
    other = factories.CutFactory(video=video, number=2, duration_s=cut.duration_s)
    elsewhere = report(other, "Nice", 5, category="none")
    response = signed_in.post(
        _url(cut, "inbox/bulk/"), {"action": "chatter", "finding": [elsewhere.pk]}, headers=HTMX
    )
    assert response.status_code == 409
    assert Finding.objects.get(pk=elsewhere.pk).state == "new"


def test_every_inbox_action_offers_an_undo(signed_in, cut):
    mabye, arrow = _groups(cut)
    response = signed_in.post(
        _url(cut, "inbox/dismiss/"), {"group": f"f{arrow.pk}", "category": "none"}, headers=HTMX
    )
    assert 'data-action="undo"' in response.content.decode()
    response = signed_in.post(_url(cut, f"findings/{mabye[2].pk}/split/"), {}, headers=HTMX)
    assert 'data-action="undo"' in response.content.decode()
    assert UndoRecord.objects.count() == 2
    # A plain form post redirects; the next page offers the undo once.
    response = signed_in.post(
        _url(cut, "inbox/dismiss/"), {"finding": mabye[2].pk, "category": "none"}
    )
    assert response.status_code == 302
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert 'data-action="undo"' in page
    assert 'data-action="undo"' not in signed_in.get(_url(cut, "inbox/")).content.decode()


def test_an_undo_of_a_changed_state_is_a_409_with_a_message(signed_in, cut, creator, teammate):
    mabye, _ = _groups(cut)
    signed_in.post(
        _url(cut, "inbox/accept/"),
        {
            "group": f"g{mabye[0].duplicate_group_id}",
            "category": "typo",
            "severity": "medium",
            "remedy": "rerender",
        },
        headers=HTMX,
    )
    erratum = Erratum.objects.get()
    erratum_update(erratum=erratum, actor=teammate, title="Changed meanwhile")
    record = UndoRecord.objects.get()
    response = signed_in.post(_undo_url(cut, record), {"inbox_cut": cut.number}, headers=HTMX)
    assert response.status_code == 409
    assert "changed since" in response.content.decode()
    assert Erratum.objects.filter(pk=erratum.pk).exists()


def test_an_expired_undo_is_refused_and_someone_elses_is_not_found(
    client, signed_in, cut, teammate
):
    _, arrow = _groups(cut)
    signed_in.post(
        _url(cut, "inbox/dismiss/"), {"group": f"f{arrow.pk}", "category": "none"}, headers=HTMX
    )
    record = UndoRecord.objects.get()
    UndoRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(hours=1))
    response = signed_in.post(_undo_url(cut, record), {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == f"/studio/videos/{cut.video.slug}/"
    assert Finding.objects.get(pk=arrow.pk).state == "dismissed"

    client.force_login(teammate)
    assert client.post(_undo_url(cut, record)).status_code == 404
    assert (
        client.post(f"/studio/videos/{cut.video.slug}/undo/99999999999999999999/").status_code
        == 404
    )


def test_undo_of_a_board_status_change_and_of_a_revoke(signed_in, cut, creator, review_link):
    erratum = factories.ErratumFactory(cut=cut)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/",
        {"status": "accepted", "version": erratum.version, "from": "board"},
    )
    assert response.status_code == 302
    board = signed_in.get(response["Location"]).content.decode()
    assert 'data-action="undo"' in board
    record = UndoRecord.objects.get(kind="status")
    response = signed_in.post(_undo_url(cut, record), {"next": _url(cut, "board/")})
    assert response["Location"] == _url(cut, "board/")
    assert Erratum.objects.get(pk=erratum.pk).status == "open"

    signed_in.post(_url(cut, f"links/{review_link.pk}/revoke/"), {"confirm": "yes"})
    record = UndoRecord.objects.get(kind="revoke")
    signed_in.post(_undo_url(cut, record))
    review_link.refresh_from_db()
    assert review_link.revoked_at is None


def test_a_long_comment_is_shortened_with_show_all(signed_in, cut):
    text = "The arrow at 3:00 is wrong. " + "word " * 2000
    report(cut, text, 180, category="visual")
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert "show all (" in page
    assert page.count("word word") > 0
    shortened = page.split('class="finding-text"')[1].split("</blockquote>")[0]
    assert len(shortened) < 1000


def test_the_errata_link_says_it_goes_to_the_board(signed_in, cut, creator):
    finding = report(cut, "Typo at 1:00", 60)
    erratum_create_from_findings(finding_ids=[finding.pk], actor=creator)
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert "1 erratum on the board →" in page


def test_history_reads_reports_and_timestamp_in_words(signed_in, cut, creator):
    findings = [report(cut, "Typo at 1:41", 101), report(cut, "Typo at 1:41 too", 101)]
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in findings], actor=creator)
    erratum_update(erratum=erratum, actor=creator, timestamp_s=111.0)
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert f"reports: {findings[0].pk}, {findings[1].pk}" in page
    assert "timestamp: 1:41 → 1:51" in page
    assert "timestamp s" not in page and "findings: #" not in page


def test_dismissing_as_content_keeps_it_among_the_open_content_suggestions(signed_in, cut):
    suggestion = report(cut, "Could you do a video on transformers next?", 60, category="content")
    signed_in.post(
        _url(cut, "inbox/dismiss/"), {"group": f"f{suggestion.pk}", "category": "content"}
    )
    assert Finding.objects.get(pk=suggestion.pk).state == "dismissed"
    assert "Could you do a video on transformers next?" in render_markdown(checklist_read(cut))


def test_the_inbox_with_bulk_controls_keeps_its_query_count(
    signed_in, cut, django_assert_max_num_queries
):
    bulk_findings(cut, 200, per_group=4)
    with django_assert_max_num_queries(30):
        response = signed_in.get(_url(cut, "inbox/"))
    assert response.content.decode().count("data-bulk-pick") == 25
    assert DuplicateGroup.objects.exists()
