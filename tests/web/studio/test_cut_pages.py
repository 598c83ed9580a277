"""The studio's cut pages keep a creator's work safe (issue 15, item 1): the new-cut form moves
nothing by default, carrying is previewed and confirmed, errata left behind are warned about, a
cut is edited and deleted (while nobody commented) from its page."""

from __future__ import annotations

import pytest

from errata.catalog.services import cut_create
from errata.fixes.services import erratum_create_from_findings
from errata.models import Cut, Erratum
from tests.studio_scenario import mabye_reports, report, scenes_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_errata(cut, creator):
    scenes = scenes_on(cut)
    mabye = mabye_reports(cut, scenes)
    in_macro = erratum_create_from_findings(finding_ids=[mabye[0].pk], actor=creator)
    arrow = report(cut, "the arrow at 12:00 overlaps", 720, category="visual")
    in_rest = erratum_create_from_findings(finding_ids=[arrow.pk], actor=creator)
    return in_macro, in_rest


def test_the_new_cut_form_preselects_nothing_that_moves_work(signed_in, cut):
    cut_create(video=cut.video, duration_s=900, label="v2")
    body = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/new/").content.decode()
    assert 'name="label"' in body and 'value="Fixed"' not in body
    assert '<option value="" selected>(nothing)</option>' in body
    assert "selected>cut" not in body
    # The duration is not copied from the last cut (v2 is usually longer).
    assert 'name="duration" value=' not in body


def test_adding_a_cut_with_the_defaults_leaves_the_first_cuts_work_alone(
    signed_in, cut, with_errata
):
    response = signed_in.post(f"/studio/videos/{cut.video.slug}/cuts/new/", {"duration": "20:00"})
    assert response["Location"] == f"/studio/videos/{cut.video.slug}/cuts/2/"
    assert set(Erratum.objects.values_list("cut_id", flat=True)) == {cut.pk}
    assert cut.findings.count() == 4


def test_the_carry_preview_moves_nothing_and_lists_what_would_stay(signed_in, cut, with_errata):
    v2 = cut_create(video=cut.video, duration_s=1100).cut
    scenes_on(v2, [("Intro", 0, 350), ("Rest", 350, 1100)])
    url = f"/studio/videos/{cut.video.slug}/cuts/2/carry/?from_cut={cut.pk}"

    body = signed_in.get(url).content.decode()

    assert "<strong>1</strong> open erratum would move" in body
    assert "These scenes are not on" not in body
    assert "This scene is not on cut 2's timeline:" in body
    assert "<code>BreakUpMacroPatterns</code>" in body
    assert "1 erratum there stays open on cut 1, with 2 untriaged findings." in body
    assert set(Erratum.objects.values_list("cut_id", flat=True)) == {cut.pk}
    # A POST without the confirmation shows the preview again and moves nothing either.
    response = signed_in.post(url.split("?")[0], {"from_cut": cut.pk})
    assert response.status_code == 200
    assert set(Erratum.objects.values_list("cut_id", flat=True)) == {cut.pk}
    assert v2.pk


def test_confirming_carries_and_the_old_cut_warns_about_what_stayed(signed_in, cut, with_errata):
    in_macro, in_rest = with_errata
    v2 = cut_create(video=cut.video, duration_s=1100).cut
    scenes_on(v2, [("Intro", 0, 350), ("Rest", 350, 1100)])

    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/2/carry/", {"from_cut": cut.pk, "confirm": "yes"}
    )

    page = signed_in.get(response["Location"]).content.decode()
    assert "Carried 1 open erratum and 1 finding" in page
    assert "stayed open on the old cut" in page
    assert Erratum.objects.get(pk=in_rest.pk).cut == v2
    assert Erratum.objects.get(pk=in_macro.pk).cut == cut
    old_page = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/").content.decode()
    assert 'id="left-behind"' in old_page
    assert "1 open erratum is still on this cut, though cut 2 is newer." in old_page
    assert "<code>BreakUpMacroPatterns</code>" in old_page


def test_a_carry_from_a_cut_of_another_video_is_refused_by_field(signed_in, cut, team):
    from tests import factories

    other = factories.CutFactory(video=factories.VideoFactory(team=team, slug="other"), number=1)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/carry/", {"from_cut": other.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    page = signed_in.get(response["Location"]).content.decode()
    assert "Carry open errata from" in page and "Select a valid choice" in page


def test_a_cut_is_renamed_from_its_page(signed_in, cut):
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/edit/",
        {"label": "v1 early view", "media_url": "https://example.com/v1.mp4"},
    )
    assert response.status_code == 302
    cut.refresh_from_db()
    assert (cut.label, cut.media_url) == ("v1 early view", "https://example.com/v1.mp4")


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"label": "x" * 151}, "at most 150 characters"),
        ({"label": "ok", "media_url": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"label": "nul\x00"}, "Null characters are not allowed"),
    ],
)
def test_a_bad_cut_edit_is_a_400_naming_the_problem(signed_in, cut, data, field_text):
    response = signed_in.post(f"/studio/videos/{cut.video.slug}/cuts/1/edit/", data)
    assert response.status_code == 400
    assert field_text in response.content.decode()


def test_a_duration_shorter_than_what_lies_on_the_cut_is_refused(signed_in, cut):
    report(cut, "typo at 12:00", 720)
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/duration/", {"duration": "10:00"}
    )
    assert response.status_code == 400
    assert "cannot end at 10:00: a finding at 12:00" in response.content.decode()
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/duration/", {"duration": "21:00"}
    )
    assert response.status_code == 302
    cut.refresh_from_db()
    assert cut.duration_s == 1260


def test_deleting_a_cut_asks_first_then_deletes_it(signed_in, cut):
    cut_create(video=cut.video, duration_s=900)
    url = f"/studio/videos/{cut.video.slug}/cuts/2/delete/"
    body = signed_in.get(url).content.decode()
    assert "Delete cut 2?" in body
    assert Cut.objects.filter(video=cut.video, number=2).exists()

    response = signed_in.post(url)

    assert response["Location"] == f"/studio/videos/{cut.video.slug}/"
    assert not Cut.objects.filter(video=cut.video, number=2).exists()


def test_a_cut_with_comments_is_not_deleted_and_the_page_says_why(signed_in, cut):
    report(cut, "typo at 1:00", 60)
    url = f"/studio/videos/{cut.video.slug}/cuts/1/delete/"
    assert "Cut 1 cannot be deleted: it has 1 comment." in signed_in.get(url).content.decode()
    response = signed_in.post(url)
    assert response.status_code == 409
    assert "Cut 1 cannot be deleted: it has 1 comment." in response.content.decode()
    assert Cut.objects.filter(pk=cut.pk).exists()


def test_the_cut_page_takes_a_fixed_number_of_queries(
    signed_in, cut, creator, django_assert_max_num_queries
):
    scenes = scenes_on(cut)
    for minute in range(20):
        finding = report(cut, f"typo at {minute}:10", minute * 50 + 10)
        erratum_create_from_findings(finding_ids=[finding.pk], actor=creator)
    v2 = cut_create(video=cut.video, duration_s=1100).cut
    scenes_on(v2, [("Intro", 0, 350), ("Rest", 350, 1100)])
    assert scenes
    with django_assert_max_num_queries(40):
        response = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/")
    assert "though cut 2 is newer" in response.content.decode()
