"""A safe new cut: carrying is previewed first, errata whose scene the new timeline lacks stay
where they are, and a cut can be edited or (while nobody has commented on it) deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from errata.catalog.services import cut_create, cut_delete, cut_delete_refusal, cut_update
from errata.fixes.carrying import carry_preview, errata_carry_to_cut
from errata.fixes.services import erratum_create_from_findings
from errata.models import Cut, DuplicateGroup, Erratum, Finding, SceneSpan
from tests import factories
from tests.studio_scenario import mabye_reports, report, scenes_on

pytestmark = pytest.mark.django_db

# v2 of the demo lost BreakUpMacroPatterns: Intro runs into Rest.
V2_WITHOUT_MACRO = [("Intro", 0, 350), ("Rest", 350, 1100)]


@pytest.fixture
def demo(cut, creator):
    scenes = scenes_on(cut)
    mabye = mabye_reports(cut, scenes)
    in_macro = erratum_create_from_findings(finding_ids=[f.pk for f in mabye[:2]], actor=creator)
    arrow = report(cut, "the arrow at 12:00 overlaps", 720, category="visual")
    in_rest = erratum_create_from_findings(finding_ids=[arrow.pk], actor=creator)
    loose_macro = report(cut, "colour at 6:30 is hard to read", 390, category="color")
    loose_intro = report(cut, "intro: 'teh' at 0:40", 40)
    return {
        "scenes": scenes,
        "in_macro": in_macro,
        "in_rest": in_rest,
        "loose_macro": loose_macro,
        "loose_intro": loose_intro,
    }


def _v2(cut, spans=V2_WITHOUT_MACRO, duration_s=1100) -> Cut:
    v2 = cut_create(video=cut.video, duration_s=duration_s).cut
    scenes_on(v2, spans)
    return v2


def test_the_preview_counts_what_would_move_and_names_the_missing_scene_without_moving_it(
    cut, demo
):
    v2 = _v2(cut)
    before = list(Finding.objects.order_by("pk").values_list("pk", "cut_id", "timestamp_s"))

    preview = carry_preview(from_cut=cut, to_cut=v2)

    assert (preview.errata, preview.findings) == (1, 2)  # in_rest + its finding, loose_intro
    assert [e.pk for e in preview.staying_errata] == [demo["in_macro"].pk]
    # mabye[2] (no time, grouped with the staying reports) and the colour note stay.
    assert preview.staying_findings == 2
    assert preview.missing_scenes == ["BreakUpMacroPatterns"]
    assert preview.moves_anything
    after = list(Finding.objects.order_by("pk").values_list("pk", "cut_id", "timestamp_s"))
    assert after == before
    assert Erratum.objects.filter(cut=v2).count() == 0


def test_errata_whose_scene_is_missing_stay_open_on_the_old_cut(cut, demo, creator):
    v2 = _v2(cut)

    result = errata_carry_to_cut(from_cut=cut, to_cut=v2, actor=creator)

    assert (result.errata, result.findings, result.without_scene) == (1, 2, 3)
    in_macro = Erratum.objects.get(pk=demo["in_macro"].pk)
    assert (in_macro.cut_id, in_macro.timestamp_s, in_macro.status) == (cut.pk, 363, "open")
    assert set(in_macro.findings.values_list("cut_id", flat=True)) == {cut.pk}
    assert not in_macro.events.filter(kind="carried").exists()
    in_rest = Erratum.objects.get(pk=demo["in_rest"].pk)
    # 12:00 was 5:00 into Rest (7:00); Rest now starts at 5:50, so 10:50.
    assert (in_rest.cut_id, in_rest.timestamp_s) == (v2.pk, 650)
    loose_macro = Finding.objects.get(pk=demo["loose_macro"].pk)
    assert (loose_macro.cut_id, loose_macro.timestamp_s) == (cut.pk, 390)
    loose_intro = Finding.objects.get(pk=demo["loose_intro"].pk)
    assert (loose_intro.cut_id, loose_intro.timestamp_s) == (v2.pk, 40)
    # No duplicate group is split across the two cuts.
    for group in DuplicateGroup.objects.all():
        assert set(group.findings.values_list("cut_id", flat=True)) <= {group.cut_id}


def test_carrying_again_after_the_scene_is_added_moves_what_stayed(cut, demo, creator):
    v2 = _v2(cut)
    errata_carry_to_cut(from_cut=cut, to_cut=v2, actor=creator)
    SceneSpan.objects.filter(cut=v2).delete()
    scenes_on(v2, [("Intro", 0, 350), ("BreakUpMacroPatterns", 350, 440), ("Rest", 440, 1100)])

    assert carry_preview(from_cut=cut, to_cut=v2).missing_scenes == []
    result = errata_carry_to_cut(from_cut=cut, to_cut=v2, actor=creator)

    assert (result.errata, result.without_scene) == (1, 0)
    in_macro = Erratum.objects.get(pk=demo["in_macro"].pk)
    assert (in_macro.cut_id, in_macro.timestamp_s) == (v2.pk, 383)


def test_a_new_cut_without_a_timeline_takes_nothing_that_has_a_scene(cut, demo, creator):
    bare = cut_create(video=cut.video, duration_s=1200).cut

    preview = carry_preview(from_cut=cut, to_cut=bare)

    assert preview.errata == 0
    assert preview.missing_scenes == ["BreakUpMacroPatterns", "Intro", "Rest"]
    result = errata_carry_to_cut(from_cut=cut, to_cut=bare, actor=creator)
    assert result.errata == result.findings == 0
    assert Erratum.objects.filter(cut=cut, status="open").count() == 2


def test_a_cut_without_a_timeline_still_carries_by_time(video, creator):
    first = factories.CutFactory(video=video, number=1, duration_s=600)
    finding = report(first, "typo at 2:00", 120)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk], actor=creator)
    second = cut_create(video=video, duration_s=650).cut

    result = errata_carry_to_cut(from_cut=first, to_cut=second, actor=creator)

    assert (result.errata, result.without_scene) == (1, 0)
    erratum.refresh_from_db()
    assert (erratum.cut_id, erratum.timestamp_s) == (second.pk, 120)


def test_the_preview_takes_a_fixed_number_of_queries(cut, django_assert_max_num_queries):
    scenes = scenes_on(cut)
    for minute in range(30):
        finding = report(cut, f"typo at {minute}:10", minute * 30 + 10)
        erratum_create_from_findings(finding_ids=[finding.pk])
        report(cut, f"another at {minute}:20", minute * 30 + 20, scene=scenes["Rest"])
    v2 = _v2(cut)
    with django_assert_max_num_queries(6):
        preview = carry_preview(from_cut=cut, to_cut=v2)
    assert preview.errata + len(preview.staying_errata) == 30


def test_a_cut_is_renamed_and_its_media_url_changed(cut):
    cut_update(cut=cut, label="  v1   early view ", media_url="https://example.com/v1.mp4")
    cut.refresh_from_db()
    assert (cut.label, cut.media_url) == ("v1 early view", "https://example.com/v1.mp4")


@pytest.mark.parametrize("label", ["x" * 151, "nul\x00"])
def test_a_label_too_long_or_with_a_nul_is_refused_by_field(cut, label):
    with pytest.raises(ValidationError) as raised:
        cut_update(cut=cut, label=label)
    assert "label" in raised.value.message_dict


def test_a_cut_nobody_commented_on_is_deleted_with_its_timeline(cut):
    v2 = _v2(cut)
    factories.ReviewLinkFactory(cut=v2)
    assert cut_delete_refusal(cut=v2) == ""

    cut_delete(cut=v2)

    assert not Cut.objects.filter(pk=v2.pk).exists()
    assert not SceneSpan.objects.filter(cut_id=v2.pk).exists()
    assert Cut.objects.filter(pk=cut.pk).exists()


def test_a_cut_with_comments_is_not_deleted_and_says_why(cut):
    factories.CommentFactory(cut=cut, text="typo at 1:00")
    factories.CommentFactory(cut=cut, text="another at 2:00")
    with pytest.raises(ValidationError, match=r"Cut 1 cannot be deleted: it has 2 comments\."):
        cut_delete(cut=cut)
    assert Cut.objects.filter(pk=cut.pk).exists()


def test_a_cut_holding_carried_errata_is_not_deleted(cut, demo, creator):
    v2 = _v2(cut)
    errata_carry_to_cut(from_cut=cut, to_cut=v2, actor=creator)
    assert cut_delete_refusal(cut=v2).startswith(
        "Cut 2 cannot be deleted: it holds 1 erratum and 2 findings"
    )
    with pytest.raises(ValidationError):
        cut_delete(cut=v2)
    assert Erratum.objects.get(pk=demo["in_rest"].pk).cut_id == v2.pk


def test_a_cut_errata_are_marked_fixed_in_is_not_deleted(cut, creator):
    finding = report(cut, "typo at 1:00", 60)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk], actor=creator)
    v2 = cut_create(video=cut.video, duration_s=700).cut
    Erratum.objects.filter(pk=erratum.pk).update(status="fixed", fixed_in_cut=v2)
    assert "1 erratum is marked fixed in it" in cut_delete_refusal(cut=v2)
