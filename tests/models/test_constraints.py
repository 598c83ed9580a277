"""The database itself refuses rows that would make the data dishonest, whatever the caller."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from errata.models import Comment, Erratum, Finding, SceneSpan, Video
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(create) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        create()
    return str(error.value)


def test_database_refuses_a_span_that_ends_before_it_starts(cut):
    scene = factories.SceneFactory(video=cut.video)
    _refused(lambda: SceneSpan.objects.create(cut=cut, scene=scene, start_s=20, end_s=10))
    _refused(lambda: SceneSpan.objects.create(cut=cut, scene=scene, start_s=20, end_s=20))
    assert SceneSpan.objects.count() == 0


def test_database_refuses_a_span_with_a_negative_start(cut):
    scene = factories.SceneFactory(video=cut.video)
    _refused(lambda: SceneSpan.objects.create(cut=cut, scene=scene, start_s=-1, end_s=10))


def test_database_refuses_a_span_past_the_end_of_its_cut(cut):
    scene = factories.SceneFactory(video=cut.video)
    message = _refused(
        lambda: SceneSpan.objects.create(cut=cut, scene=scene, start_s=1100, end_s=1153.5)
    )
    assert "past the end of its cut" in message
    SceneSpan.objects.create(cut=cut, scene=scene, start_s=1100, end_s=1153)
    span = SceneSpan.objects.get()
    span.end_s = 2000
    _refused(span.save)
    assert SceneSpan.objects.get().end_s == 1153


def test_database_refuses_to_shorten_a_cut_below_its_spans(cut):
    factories.SceneSpanFactory(cut=cut, start_s=0, end_s=1000)
    cut.duration_s = 900
    _refused(cut.save)


def test_database_refuses_negative_or_out_of_range_comment_times(cut):
    _refused(lambda: factories.CommentFactory(cut=cut, timestamp_s=-0.5))
    message = _refused(lambda: factories.CommentFactory(cut=cut, timestamp_s=1153.01))
    assert "past the end of its cut" in message
    factories.CommentFactory(cut=cut, timestamp_s=1153)
    assert Comment.objects.count() == 1


def test_database_refuses_negative_or_out_of_range_finding_times(cut):
    comment = factories.CommentFactory(cut=cut)
    _refused(lambda: factories.FindingFactory(comment=comment, timestamp_s=-3))
    _refused(lambda: factories.FindingFactory(comment=comment, timestamp_s=5000))
    assert Finding.objects.count() == 0


def test_database_refuses_an_erratum_time_past_its_cut(cut):
    _refused(lambda: factories.ErratumFactory(cut=cut, timestamp_s=1200))
    _refused(lambda: factories.ErratumFactory(cut=cut, timestamp_s=-1))
    assert Erratum.objects.count() == 0


def test_database_refuses_a_duplicate_slug(team):
    factories.VideoFactory(team=team, slug="nn")
    _refused(lambda: factories.VideoFactory(team=team, slug="nn"))
    assert Video.objects.filter(slug="nn").count() == 1


def test_database_refuses_the_same_import_id_twice_in_a_cut_and_source(cut):
    factories.CommentFactory(cut=cut, source="import:csv", external_id="row-7")
    _refused(lambda: factories.CommentFactory(cut=cut, source="import:csv", external_id="row-7"))
    # The same id from another source, or on another cut, is another comment.
    factories.CommentFactory(cut=cut, source="import:youtube", external_id="row-7")
    factories.CommentFactory(source="import:csv", external_id="row-7")
    # Comments typed on the page have no external id and never collide.
    factories.CommentFactory(cut=cut, external_id="")
    factories.CommentFactory(cut=cut, external_id="")
    assert Comment.objects.filter(external_id="row-7").count() == 3


def test_database_refuses_an_erratum_status_or_category_outside_the_choices(cut):
    _refused(lambda: factories.ErratumFactory(cut=cut, status="done"))
    _refused(lambda: factories.ErratumFactory(cut=cut, category="spelling"))
    _refused(lambda: factories.ErratumFactory(cut=cut, severity="urgent"))
    _refused(lambda: factories.ErratumFactory(cut=cut, remedy="reshoot"))


def test_database_refuses_a_closed_erratum_without_a_reason(cut):
    _refused(lambda: factories.ErratumFactory(cut=cut, status="wontfix"))
    _refused(lambda: factories.ErratumFactory(cut=cut, status="not_an_error"))
    factories.ErratumFactory(cut=cut, status="wontfix", resolution_reason="Out of scope")


def test_database_refuses_a_fixed_erratum_that_names_no_cut(cut):
    _refused(lambda: factories.ErratumFactory(cut=cut, status="fixed"))
    factories.ErratumFactory(cut=cut, status="fixed", fixed_in_cut=cut)


def test_database_refuses_a_finding_accepted_into_no_erratum(cut):
    comment = factories.CommentFactory(cut=cut)
    _refused(lambda: factories.FindingFactory(comment=comment, state="accepted"))
    erratum = factories.ErratumFactory(cut=cut)
    _refused(lambda: factories.FindingFactory(comment=comment, state="new", erratum=erratum))
    factories.FindingFactory(comment=comment, state="accepted", erratum=erratum)


def test_database_refuses_a_finding_category_outside_the_choices(cut):
    comment = factories.CommentFactory(cut=cut)
    _refused(lambda: factories.FindingFactory(comment=comment, suggested_category="spelling"))
    _refused(lambda: factories.FindingFactory(comment=comment, category="bug"))
    _refused(lambda: factories.FindingFactory(comment=comment, category_confidence=1.5))


def test_database_refuses_an_empty_comment_and_an_unknown_source(cut):
    _refused(lambda: factories.CommentFactory(cut=cut, text=""))
    _refused(lambda: factories.CommentFactory(cut=cut, source="email"))


def test_comment_text_is_stored_exactly_as_written(cut):
    text = '  <a href="https://x.test">link</a>\n\n\ttimestamp: 6:00  \r\n'
    comment = factories.CommentFactory(cut=cut, text=text)
    comment.refresh_from_db()
    assert comment.text == text
