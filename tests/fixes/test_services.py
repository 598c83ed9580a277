"""Turning findings into errata, and the fix loop, through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from errata.core.errors import ErrataConflict, StaleVersion
from errata.core.events import erratum_status_changed
from errata.findings.services import (
    finding_restore,
    finding_split_from_group,
    finding_update,
    findings_dismiss,
)
from errata.fixes.carrying import errata_carry_to_cut
from errata.fixes.services import (
    erratum_add_findings,
    erratum_create_from_findings,
    erratum_merge,
    erratum_transition,
    erratum_update,
    finding_remove_from_erratum,
)
from errata.models import DuplicateGroup, Erratum, ErratumEvent, Finding
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenes(cut):
    """Intro 0:00-5:30, BreakUpMacroPatterns 5:30-7:00, Rest 7:00-19:13 on cut 1."""
    made = {}
    for name, start, end in [
        ("Intro", 0, 330),
        ("BreakUpMacroPatterns", 330, 420),
        ("Rest", 420, 1153),
    ]:
        made[name] = factories.SceneFactory(video=cut.video, name=name)
        factories.SceneSpanFactory(cut=cut, scene=made[name], start_s=start, end_s=end)
    return made


def _finding(cut, text: str, timestamp_s: float | None, category: str = "typo", scene=None):
    comment = factories.CommentFactory(cut=cut, text=text)
    return factories.FindingFactory(
        comment=comment,
        text=text,
        timestamp_s=timestamp_s,
        suggested_category=category,
        suggested_scene=scene,
    )


@pytest.fixture
def mabye(cut, scenes):
    scene = scenes["BreakUpMacroPatterns"]
    return [
        _finding(cut, 'at 5:58, it should be "maybe" instead of "mabye".', 358, scene=scene),
        _finding(cut, "at around 6:03 you misspelled 'maybe' as 'mabye.'", 363, scene=scene),
        _finding(cut, 'Speling erur! Search for "mabye".', None),
    ]


def test_a_group_becomes_one_erratum_in_one_action(cut, creator, mabye, scenes):
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in mabye], actor=creator)
    assert erratum.category == "typo"
    assert erratum.remedy == "rerender"
    assert erratum.timestamp_s == 363  # the median of the times given
    assert erratum.scene == scenes["BreakUpMacroPatterns"]
    assert "mabye" in erratum.title
    # As a creator would write it: no time (it changes when carried) and no category prefix.
    assert erratum.title == "“mabye” should be “maybe”"
    assert (erratum.cut, erratum.found_in_cut, erratum.status) == (cut, cut, "open")
    assert set(erratum.findings.values_list("state", flat=True)) == {"accepted"}
    assert erratum.findings.count() == 3
    event = ErratumEvent.objects.get(erratum=erratum)
    assert (event.kind, event.actor) == ("created", creator)


def test_the_creator_can_override_every_prefilled_field(cut, mabye, scenes):
    erratum = erratum_create_from_findings(
        finding_ids=[mabye[0].pk],
        title="Misspelled maybe",
        category="visual",
        severity="high",
        remedy="caption",
        scene_id=scenes["Intro"].pk,
        timestamp_s=10.0,
    )
    assert (erratum.title, erratum.category, erratum.severity, erratum.remedy) == (
        "Misspelled maybe",
        "visual",
        "high",
        "caption",
    )
    assert (erratum.scene, erratum.timestamp_s) == (scenes["Intro"], 10.0)


def test_a_finding_cannot_end_up_in_two_errata(mabye):
    first = erratum_create_from_findings(finding_ids=[mabye[0].pk, mabye[1].pk])
    with pytest.raises(ErrataConflict, match="1 of these 2 findings were already"):
        erratum_create_from_findings(finding_ids=[mabye[1].pk, mabye[2].pk])
    # The losing action changed nothing: no second erratum, the free finding is still free.
    assert Erratum.objects.count() == 1
    assert Finding.objects.get(pk=mabye[1].pk).erratum == first
    assert Finding.objects.get(pk=mabye[2].pk).state == "new"


def test_findings_from_two_cuts_cannot_form_one_erratum(cut, mabye):
    other = _finding(factories.CutFactory(video=cut.video, number=2), "typo", 10)
    with pytest.raises(ValidationError, match="different cuts"):
        erratum_create_from_findings(finding_ids=[mabye[0].pk, other.pk])
    assert not Erratum.objects.exists()


def test_more_reports_join_an_existing_erratum(mabye):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    assert erratum_add_findings(erratum=erratum, finding_ids=[mabye[1].pk]) == 1
    assert erratum.findings.count() == 2
    erratum.refresh_from_db()
    assert erratum.version == 2


def test_removing_a_finding_from_an_erratum_makes_it_untriaged_again(mabye):
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in mabye])
    finding = Finding.objects.get(pk=mabye[2].pk)
    finding_remove_from_erratum(finding=finding)
    assert (finding.state, finding.erratum) == ("new", None)
    assert erratum.findings.count() == 2
    with pytest.raises(ErrataConflict):
        finding_remove_from_erratum(finding=finding)


def test_splitting_a_finding_out_of_its_group_gives_it_a_group_of_its_own(cut, mabye):
    shared = DuplicateGroup.objects.create(cut=cut)
    Finding.objects.filter(pk__in=[f.pk for f in mabye]).update(duplicate_group=shared)
    finding_split_from_group(finding=mabye[2])
    assert Finding.objects.get(pk=mabye[2].pk).duplicate_group != shared
    assert Finding.objects.filter(duplicate_group=shared).count() == 2


def test_dismissing_as_content_or_none_and_restoring(mabye):
    assert findings_dismiss(finding_ids=[mabye[0].pk], category="content") == 1
    finding = Finding.objects.get(pk=mabye[0].pk)
    assert (finding.state, finding.category) == ("dismissed", "content")
    with pytest.raises(ValidationError, match="content or none"):
        findings_dismiss(finding_ids=[mabye[1].pk], category="typo")
    with pytest.raises(ErrataConflict):
        findings_dismiss(finding_ids=[mabye[0].pk, mabye[1].pk])
    assert Finding.objects.get(pk=mabye[1].pk).state == "new"
    finding_restore(finding=finding)
    assert Finding.objects.get(pk=finding.pk).state == "new"


def test_correcting_a_findings_time_moves_its_suggested_scene(mabye, scenes):
    finding = finding_update(finding=mabye[2], timestamp_s=700.0, category="notation")
    assert (finding.timestamp_s, finding.timestamp_source) == (700.0, "manual")
    assert finding.suggested_scene == scenes["Rest"]
    assert finding.category == "notation"
    with pytest.raises(ValidationError, match="past the end"):
        finding_update(finding=mabye[2], timestamp_s=5000.0)
    other_video_scene = factories.SceneFactory()
    with pytest.raises(ValidationError, match="not in this video"):
        finding_update(finding=mabye[2], scene_id=other_video_scene.pk)


def test_an_edit_based_on_a_stale_version_is_refused(mabye, creator):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    edited = erratum_update(
        erratum=erratum, actor=creator, expected_version=1, title="Spelling of maybe"
    )
    assert (edited.version, edited.title) == (2, "Spelling of maybe")
    with pytest.raises(StaleVersion, match="changed by someone else"):
        erratum_update(erratum=erratum, expected_version=1, title="Other title")
    assert Erratum.objects.get(pk=erratum.pk).title == "Spelling of maybe"
    history = list(erratum.events.values_list("kind", "changes"))
    assert history[-1] == ("edited", {"title": [erratum.title, "Spelling of maybe"]})


def test_the_fix_loop_open_fixed_verified(cut, mabye, creator):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160)
    sent = []
    erratum_status_changed.connect(
        lambda sender, **kw: sent.append((kw["before"], kw["after"])), weak=False, dispatch_uid="t"
    )
    try:
        with pytest.raises(ValidationError, match="which cut"):
            erratum_transition(erratum=erratum, status="fixed")
        fixed = erratum_transition(
            erratum=erratum, status="fixed", fixed_in_cut=v2, actor=creator, fix_note="Respelled"
        )
        assert (fixed.status, fixed.fixed_in_cut, fixed.fix_note) == ("fixed", v2, "Respelled")
        verified = erratum_transition(erratum=fixed, status="verified", actor=creator)
        assert verified.status == "verified"
        assert verified.verified_at is not None
        with pytest.raises(ErrataConflict, match="cannot become fixed"):
            erratum_transition(erratum=verified, status="fixed", fixed_in_cut=v2)
    finally:
        erratum_status_changed.disconnect(dispatch_uid="t")
    assert list(erratum.events.filter(kind="status").values_list("changes__status", flat=True))


def test_wontfix_and_not_an_error_need_a_reason(mabye):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    for status in ("wontfix", "not_an_error"):
        with pytest.raises(ValidationError, match="Say why"):
            erratum_transition(erratum=erratum, status=status, reason="  ")
    closed = erratum_transition(
        erratum=erratum, status="not_an_error", reason="It is spelled right in the font."
    )
    assert closed.resolution_reason == "It is spelled right in the font."
    reopened = erratum_transition(erratum=closed, status="open")
    assert (reopened.status, reopened.resolution_reason) == ("open", "")


def test_a_transition_that_lost_the_race_says_so(mabye):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    stale_copy = Erratum.objects.get(pk=erratum.pk)
    erratum_transition(erratum=erratum, status="wontfix", reason="Minor")
    with pytest.raises(StaleVersion):
        erratum_transition(
            erratum=stale_copy, status="accepted", expected_version=stale_copy.version
        )


def test_merging_moves_findings_and_leaves_a_redirect(mabye, creator):
    first = erratum_create_from_findings(finding_ids=[mabye[0].pk, mabye[1].pk])
    second = erratum_create_from_findings(finding_ids=[mabye[2].pk])
    target = erratum_merge(source=second, target=first, actor=creator)
    assert target.findings.count() == 3
    second.refresh_from_db()
    assert second.merged_into == first
    assert not second.findings.exists()
    assert second.events.filter(kind="merged_into").exists()


def test_a_merge_that_lost_the_race_is_refused_clearly(mabye):
    a = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    b = erratum_create_from_findings(finding_ids=[mabye[1].pk])
    c = erratum_create_from_findings(finding_ids=[mabye[2].pk])
    stale_b = Erratum.objects.get(pk=b.pk)
    # Another creator merged b into a a moment ago; this one, with an old page, merges b into c.
    erratum_merge(source=b, target=a)
    with pytest.raises(ErrataConflict, match=f"#{b.pk} was already merged into #{a.pk}"):
        erratum_merge(source=stale_b, target=c)
    assert a.findings.count() == 2
    assert c.findings.count() == 1


def test_open_errata_and_untriaged_findings_are_carried_to_the_new_cut_by_scene(
    cut, scenes, mabye, creator
):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk, mabye[1].pk])
    loose = _finding(cut, "the arrow at 12:00 overlaps", 720, category="visual")
    fixed = erratum_create_from_findings(finding_ids=[mabye[2].pk], timestamp_s=100.0)
    erratum_transition(erratum=fixed, status="wontfix", reason="fine")
    # v2: a new 20 s intro pushes everything later; BreakUpMacroPatterns now starts at 5:50.
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1173)
    for name, start, end in [
        ("Intro", 0, 350),
        ("BreakUpMacroPatterns", 350, 440),
        ("Rest", 440, 1173),
    ]:
        factories.SceneSpanFactory(cut=v2, scene=scenes[name], start_s=start, end_s=end)

    result = errata_carry_to_cut(from_cut=cut, to_cut=v2, actor=creator)

    erratum.refresh_from_db()
    assert (erratum.cut, erratum.timestamp_s, erratum.found_in_cut) == (v2, 383, cut)
    times = sorted(Finding.objects.filter(erratum=erratum).values_list("timestamp_s", flat=True))
    assert times == [378, 383]
    loose.refresh_from_db()
    assert (loose.cut, loose.timestamp_s, loose.suggested_scene) == (v2, 740, scenes["Rest"])
    # Closed errata stay where they were.
    assert Erratum.objects.get(pk=fixed.pk).cut == cut
    assert (result.errata, result.findings) == (1, 3)
    assert erratum.events.filter(kind="carried").exists()


def test_carrying_many_errata_takes_a_fixed_number_of_queries(
    cut, scenes, django_assert_max_num_queries
):
    for minute in range(40):
        finding = _finding(cut, f"typo at {minute}:10", minute * 25 + 10)
        erratum_create_from_findings(finding_ids=[finding.pk])
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1153)
    for name, start, end in [
        ("Intro", 0, 330),
        ("BreakUpMacroPatterns", 330, 420),
        ("Rest", 420, 1153),
    ]:
        factories.SceneSpanFactory(cut=v2, scene=scenes[name], start_s=start, end_s=end)

    with django_assert_max_num_queries(14):
        result = errata_carry_to_cut(from_cut=cut, to_cut=v2)

    assert result.errata == 40
    assert Erratum.objects.filter(cut=v2).count() == 40
    assert ErratumEvent.objects.filter(kind="carried").count() == 40
