"""Undo: every undoable action restores exactly the state before it, for a while, and refuses
when it is too late, already undone, someone else's, or the rows were changed since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from errata.core.errors import ErrataConflict
from errata.findings.services import finding_update
from errata.fixes import undo
from errata.fixes.services import erratum_create_from_findings, erratum_transition, erratum_update
from errata.models import (
    DuplicateGroup,
    Erratum,
    ErratumEvent,
    Finding,
    ReviewLink,
    TriageExample,
    UndoRecord,
)
from tests import factories
from tests.studio_scenario import mabye_reports, report, scenes_on

pytestmark = pytest.mark.django_db

FINDING_FIELDS = ("state", "erratum_id", "category", "dismissed_reason", "duplicate_group_id")
ERRATUM_FIELDS = (
    "status",
    "fixed_in_cut_id",
    "fixed_at",
    "verified_at",
    "resolution_reason",
    "fix_note",
    "merged_into_id",
    "title",
)


@pytest.fixture
def mabye(cut):
    return mabye_reports(cut, scenes_on(cut))


def _findings_state(findings) -> dict:
    rows = Finding.objects.filter(pk__in=[f.pk for f in findings]).order_by("pk")
    return {row["pk"]: row for row in rows.values("pk", *FINDING_FIELDS)}


def _erratum_state(erratum) -> dict:
    return Erratum.objects.filter(pk=erratum.pk).values(*ERRATUM_FIELDS).get()


def test_undo_of_an_accept_puts_the_findings_back_and_removes_the_erratum(cut, creator, mabye):
    before = _findings_state(mabye)
    erratum, record = undo.erratum_create_undoable(finding_ids=[f.pk for f in mabye], actor=creator)
    assert Finding.objects.filter(erratum=erratum).count() == 3

    undo.undo_apply(record=record, actor=creator)

    assert _findings_state(mabye) == before
    assert not Erratum.objects.filter(pk=erratum.pk).exists()
    assert not ErratumEvent.objects.filter(erratum_id=erratum.pk).exists()
    record.refresh_from_db()
    assert record.undone_at is not None


def test_undo_is_refused_once_the_erratum_was_edited_since(cut, creator, teammate, mabye):
    erratum, record = undo.erratum_create_undoable(finding_ids=[f.pk for f in mabye], actor=creator)
    erratum_update(erratum=erratum, actor=teammate, title="Typo: mabye → maybe")

    with pytest.raises(ErrataConflict, match="changed since"):
        undo.undo_apply(record=record, actor=creator)

    # Nothing half-done: the erratum and its reports are as the teammate left them.
    assert Erratum.objects.get(pk=erratum.pk).title == "Typo: mabye → maybe"
    assert Finding.objects.filter(erratum=erratum).count() == 3
    record.refresh_from_db()
    assert record.undone_at is None


def test_undo_of_adding_reports_takes_only_those_out(cut, creator, mabye):
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk], actor=creator)
    before = _findings_state(mabye[1:])
    added, record = undo.erratum_add_findings_undoable(
        erratum=erratum, finding_ids=[f.pk for f in mabye[1:]], actor=creator
    )
    assert added == 2

    undo.undo_apply(record=record, actor=creator)

    assert _findings_state(mabye[1:]) == before
    assert list(Finding.objects.filter(erratum=erratum).values_list("pk", flat=True)) == [
        mabye[0].pk
    ]
    assert ErratumEvent.objects.filter(erratum=erratum, kind="undone").count() == 1


def test_undo_of_a_dismissal_restores_category_reason_and_forgets_the_lesson(cut, creator, mabye):
    finding_update(finding=mabye[0], category="notation")
    TriageExample.objects.all().delete()
    before = _findings_state(mabye)
    dismissed, record = undo.findings_dismiss_undoable(
        video=cut.video,
        finding_ids=[f.pk for f in mabye],
        actor=creator,
        category="content",
        reason="a suggestion",
    )
    assert dismissed == 3
    assert TriageExample.objects.filter(kind="category", category="content").count() == 3

    undo.undo_apply(record=record, actor=creator)

    assert _findings_state(mabye) == before
    assert Finding.objects.get(pk=mabye[0].pk).category == "notation"
    assert not TriageExample.objects.filter(kind="category", category="content").exists()


def test_undo_of_a_dismissal_is_refused_after_a_restore(cut, creator, mabye):
    from errata.findings.services import finding_restore

    _, record = undo.findings_dismiss_undoable(
        video=cut.video, finding_ids=[mabye[0].pk], actor=creator, category="none"
    )
    finding_restore(finding=mabye[0])
    with pytest.raises(ErrataConflict):
        undo.undo_apply(record=record, actor=creator)


def test_undo_of_a_split_puts_the_finding_back_in_its_group(cut, creator, mabye):
    group_id = mabye[2].duplicate_group_id
    groups_before = DuplicateGroup.objects.count()
    record = undo.finding_split_undoable(finding=mabye[2], actor=creator)
    assert Finding.objects.get(pk=mabye[2].pk).duplicate_group_id != group_id

    undo.undo_apply(record=record, actor=creator)

    assert Finding.objects.get(pk=mabye[2].pk).duplicate_group_id == group_id
    assert DuplicateGroup.objects.count() == groups_before
    assert not TriageExample.objects.filter(kind="split").exists()


def test_undo_of_a_category_change_restores_each_findings_own(cut, creator, mabye):
    finding_update(finding=mabye[1], category="notation")
    before = _findings_state(mabye)
    count, record = undo.findings_categorise_undoable(
        video=cut.video, finding_ids=[f.pk for f in mabye], actor=creator, category="visual"
    )
    assert count == 3
    assert set(
        Finding.objects.filter(pk__in=[f.pk for f in mabye]).values_list("category", flat=True)
    ) == {"visual"}

    undo.undo_apply(record=record, actor=creator)

    assert _findings_state(mabye) == before


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        (["accepted"], {}),
        (["wontfix"], {"reason": "Too small to matter"}),
        (["accepted", "fixed"], {}),
        (["accepted", "fixed", "verified"], {}),
    ],
)
def test_undo_of_a_status_change_restores_every_status_field(cut, creator, mabye, path, kwargs):
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in mabye], actor=creator)
    cut2 = factories.CutFactory(video=cut.video, number=2, duration_s=cut.duration_s)
    for status in path[:-1]:
        erratum = erratum_transition(
            erratum=erratum, status=status, actor=creator, fixed_in_cut=cut2
        )
    before = _erratum_state(erratum)
    changed, record = undo.erratum_transition_undoable(
        erratum=erratum, status=path[-1], actor=creator, fixed_in_cut=cut2, **kwargs
    )
    assert changed.status == path[-1]

    undo.undo_apply(record=record, actor=creator)

    assert _erratum_state(erratum) == before
    last = ErratumEvent.objects.filter(erratum=erratum).order_by("-id").first()
    assert last.changes == {"status": [path[-1], before["status"]], "undo": True}


def test_undo_of_a_merge_moves_the_reports_and_redirects_back(cut, creator, mabye):
    source = erratum_create_from_findings(finding_ids=[mabye[0].pk], actor=creator)
    target = erratum_create_from_findings(finding_ids=[mabye[1].pk], actor=creator)
    older = erratum_create_from_findings(finding_ids=[mabye[2].pk], actor=creator)
    from errata.fixes.services import erratum_merge

    erratum_merge(source=older, target=source, actor=creator)
    states = [_erratum_state(e) for e in (source, target, older)]
    findings = _findings_state(mabye)
    _, record = undo.erratum_merge_undoable(source=source, target=target, actor=creator)
    assert Finding.objects.filter(erratum=target).count() == 3

    undo.undo_apply(record=record, actor=creator)

    assert [_erratum_state(e) for e in (source, target, older)] == states
    assert _findings_state(mabye) == findings


def test_undo_of_a_revoke_opens_the_link_again(cut, creator, review_link):
    revoked, record = undo.review_link_revoke_undoable(review_link=review_link, actor=creator)
    assert revoked
    assert ReviewLink.objects.get(pk=review_link.pk).revoked_at is not None

    undo.undo_apply(record=record, actor=creator)

    assert ReviewLink.objects.get(pk=review_link.pk).revoked_at is None
    # Revoking an already revoked link is nothing to undo.
    undo.review_link_revoke_undoable(review_link=review_link, actor=creator)
    assert undo.review_link_revoke_undoable(review_link=review_link, actor=creator) == (
        False,
        None,
    )


def test_a_bulk_accept_is_undone_as_one_step(cut, creator):
    first = [report(cut, "Typo at 1:00: 'teh'", 60), report(cut, "Typo at 2:00: 'adn'", 120)]
    second = [report(cut, "The arrow at 3:00 points the wrong way", 180, category="visual")]
    errata, record = undo.bulk_accept_undoable(
        video=cut.video, groups=[[f.pk for f in first], [f.pk for f in second]], actor=creator
    )
    assert len(errata) == 2
    assert record.kind == UndoRecord.Kind.BULK

    undo.undo_apply(record=record, actor=creator)

    assert not Erratum.objects.exists()
    assert set(Finding.objects.values_list("state", flat=True)) == {"new"}


def test_a_bulk_undo_is_all_or_nothing(cut, creator, teammate):
    first = report(cut, "Typo at 1:00: 'teh'", 60)
    second = report(cut, "Typo at 2:00: 'adn'", 120)
    errata, record = undo.bulk_accept_undoable(
        video=cut.video, groups=[[first.pk], [second.pk]], actor=creator
    )
    erratum_transition(erratum=errata[1], status="accepted", actor=teammate)

    with pytest.raises(ErrataConflict):
        undo.undo_apply(record=record, actor=creator)

    assert Erratum.objects.count() == 2
    assert set(Finding.objects.values_list("state", flat=True)) == {"accepted"}


def test_undo_is_refused_when_too_late_twice_or_by_someone_else(cut, creator, teammate, mabye):
    _, record = undo.findings_dismiss_undoable(
        video=cut.video, finding_ids=[mabye[0].pk], actor=creator, category="none"
    )
    with pytest.raises(ErrataConflict, match="Only the person"):
        undo.undo_apply(record=record, actor=teammate)

    UndoRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - undo.UNDO_WINDOW - timedelta(seconds=1)
    )
    with pytest.raises(ErrataConflict, match="Too late"):
        undo.undo_apply(record=record, actor=creator)

    UndoRecord.objects.filter(pk=record.pk).update(created_at=timezone.now())
    undo.undo_apply(record=record, actor=creator)
    with pytest.raises(ErrataConflict, match="already undone"):
        undo.undo_apply(record=record, actor=creator)


def test_an_action_can_still_be_undone_eleven_minutes_later(cut, creator, mabye):
    _, record = undo.findings_dismiss_undoable(
        video=cut.video, finding_ids=[mabye[0].pk], actor=creator, category="none"
    )
    UndoRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    undo.undo_apply(record=record, actor=creator)
    assert Finding.objects.get(pk=mabye[0].pk).state == "new"
