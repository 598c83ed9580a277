"""Range comments and drawings on the frame, through the services: what is stored, what is
refused (naming the field), how findings and errata keep the range, how the drawing is shown."""

from __future__ import annotations

import json
import math

import pytest
from django.core.exceptions import ValidationError

from errata.findings.services import findings_triage
from errata.fixes.carrying import errata_carry_to_cut
from errata.fixes.services import erratum_create_from_findings, erratum_update
from errata.models import Comment, Erratum, Finding
from errata.reviews.drawings import (
    DRAWING_MAX_BYTES,
    DRAWING_MAX_POINTS,
    DRAWING_MAX_SHAPES,
    drawing_svg,
    drawing_validate,
)
from errata.reviews.services import comment_create, review_comment_create
from tests import factories

pytestmark = pytest.mark.django_db

BOX = {"kind": "box", "color": "red", "points": [[0.1, 0.2], [0.4, 0.5]]}
ARROW = {"kind": "arrow", "color": "yellow", "points": [[0.9, 0.9], [0.5, 0.5]]}


def _drawing(*shapes, **extra) -> dict:
    return {"t": 362.5, "aspect": 16 / 9, "shapes": list(shapes), **extra}


def _refusal(raw, *, duration_s: float | None = 1153.0) -> str:
    with pytest.raises(ValidationError) as caught:
        drawing_validate(raw, duration_s=duration_s)
    assert list(caught.value.message_dict) == ["drawing"]
    return caught.value.message_dict["drawing"][0]


def test_a_range_comment_stores_its_end(cut, review_link, patron):
    comment = review_comment_create(
        review_link=review_link,
        text="The axis jitters",
        timestamp_s=362,
        timestamp_end_s=370,
        reviewer=patron,
    )
    comment.refresh_from_db()
    assert (comment.timestamp_s, comment.timestamp_end_s) == (362, 370)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (370, 362, "after its start"),
        (370, 370, "after its start"),
        (None, 370, "needs its start"),
        (10, 5000, "past the end of this cut"),
        (10, math.inf, "after its start"),
        (10, math.nan, "after its start"),
    ],
)
def test_a_range_that_ends_before_it_starts_or_past_the_cut_is_refused_naming_the_end(
    cut, start, end, message
):
    with pytest.raises(ValidationError) as caught:
        comment_create(cut=cut, text="Range", timestamp_s=start, timestamp_end_s=end)
    assert list(caught.value.message_dict) == ["timestamp_end_s"]
    assert message in caught.value.message_dict["timestamp_end_s"][0]
    assert Comment.objects.count() == 0


def test_a_drawing_is_stored_as_checked_vectors_rebuilt_from_its_numbers(cut):
    raw = _drawing(BOX, ARROW)
    raw["shapes"][0] = {**BOX, "points": [[0.123456789, 0.2], [0.4, 0.5]]}
    comment = comment_create(cut=cut, text="Here", timestamp_s=362.5, drawing=json.dumps(raw))
    comment.refresh_from_db()
    assert comment.drawing["t"] == 362.5
    assert [s["kind"] for s in comment.drawing["shapes"]] == ["box", "arrow"]
    assert comment.drawing["shapes"][0]["points"][0] == [0.1235, 0.2]


def test_no_drawing_is_none(cut):
    assert drawing_validate("", duration_s=10) is None
    assert drawing_validate(None, duration_s=10) is None
    assert comment_create(cut=cut, text="Plain").drawing is None


HOSTILE = [
    ("not json", "not valid JSON"),
    ("[" * 50_000 + "]" * 50_000, "at most"),
    ("[" * 20_000 + "]" * 20_000, "not valid JSON"),
    (json.dumps([1, 2]), "an object"),
    (json.dumps({"shapes": []}), "at least one shape"),
    (json.dumps({"shapes": [BOX], "script": "<x>"}), "no field"),
    (json.dumps(_drawing(*[BOX] * (DRAWING_MAX_SHAPES + 1))), "at most 20 shapes"),
    (json.dumps(_drawing({**BOX, "kind": "circle"})), "the kind must be one of"),
    (json.dumps(_drawing({**BOX, "color": "url(javascript:alert(1))"})), "colour must be one of"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2]]})), "2 to 2 points"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2], [1.5, 0.5]]})), "between 0 and 1"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2], [-0.1, 0.5]]})), "between 0 and 1"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2], [True, 0.5]]})), "must be a number"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2], ["0.3", 0.5]]})), "must be a number"),
    (json.dumps(_drawing({**BOX, "points": [[0.1, 0.2], [0.3]]})), "a pair"),
    (json.dumps(_drawing({**BOX, "points": "0.1,0.2"})), "list of points"),
    ('{"shapes": [{"kind": "box", "color": "red", "points": [[NaN, 0], [0, 0]]}]}', "between"),
    ('{"shapes": [{"kind": "box", "color": "red", "points": [[1e999, 0], [0, 0]]}]}', "between"),
    (json.dumps(_drawing(BOX, t=-1)), "time must be between"),
    (json.dumps(_drawing(BOX, t=99_999)), "time must be between"),
    (json.dumps(_drawing(BOX, aspect=0)), "aspect ratio must be between"),
    (
        json.dumps(
            _drawing(
                {"kind": "free", "color": "red", "points": [[0.5, 0.5]] * (DRAWING_MAX_POINTS + 1)}
            )
        ),
        "2 to 400 points",
    ),
    (
        json.dumps(
            _drawing(*[{"kind": "free", "color": "red", "points": [[0.5, 0.5]] * 300}] * 10)
        ),
        "2000 points in all",
    ),
    ("x" * (DRAWING_MAX_BYTES + 1), "at most 64 KB"),
]


@pytest.mark.parametrize(("raw", "message"), HOSTILE)
def test_a_hostile_drawing_is_refused_naming_the_drawing_field(raw, message):
    assert message in _refusal(raw)


def test_the_service_refuses_a_hostile_drawing_and_stores_nothing(cut):
    with pytest.raises(ValidationError) as caught:
        comment_create(cut=cut, text="Look", drawing={"shapes": [{"kind": "box"}]})
    assert list(caught.value.message_dict) == ["drawing"]
    assert Comment.objects.count() == 0


def test_the_svg_is_built_from_numbers_and_the_palette_only():
    checked = drawing_validate(_drawing(BOX, ARROW), duration_s=None)
    svg = str(drawing_svg(checked))
    assert svg.startswith('<svg class="drawing" viewBox="0 0 1000 562"')
    assert '<rect x="100.0" y="112.4" width="300.0" height="168.6" stroke="#ff3b30"' in svg
    assert 'stroke="#ffd60a"' in svg and '<path d="M900.0 505.8 L500.0 281.0' in svg
    # A stored row edited behind the service's back still renders only numbers and palette.
    tampered = {
        "shapes": [{"kind": "free", "color": "<script>", "points": [[0.1, 0.1], [0.2, 0.2]]}]
    }
    assert "<script>" not in str(drawing_svg(tampered))
    assert str(drawing_svg(None)) == ""


def test_a_player_timed_finding_keeps_its_comments_range_and_the_erratum_takes_it(cut):
    comment = comment_create(
        cut=cut, text="The label flickers here", timestamp_s=362, timestamp_end_s=370
    )
    findings_triage(comment_id=comment.pk)
    (finding,) = Finding.objects.filter(comment=comment)
    assert (finding.timestamp_s, finding.timestamp_end_s) == (362, 370)

    erratum = erratum_create_from_findings(finding_ids=[finding.pk])
    assert (erratum.timestamp_s, erratum.timestamp_end_s) == (362, 370)

    # Moved by the creator, the range keeps its length.
    erratum = erratum_update(erratum=erratum, timestamp_s=400)
    erratum.refresh_from_db()
    assert (erratum.timestamp_s, erratum.timestamp_end_s) == (400, 408)


def test_a_time_typed_in_the_text_is_a_point_not_the_players_range(cut):
    comment = comment_create(
        cut=cut, text="At 1:00 the sign is wrong", timestamp_s=362, timestamp_end_s=370
    )
    findings_triage(comment_id=comment.pk)
    (finding,) = Finding.objects.filter(comment=comment)
    assert (finding.timestamp_s, finding.timestamp_end_s) == (60, None)


def test_an_erratum_given_its_own_time_drops_the_reports_range(cut):
    comment = comment_create(cut=cut, text="Flicker", timestamp_s=362, timestamp_end_s=370)
    findings_triage(comment_id=comment.pk)
    finding = Finding.objects.get(comment=comment)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk], timestamp_s=100)
    assert (erratum.timestamp_s, erratum.timestamp_end_s) == (100, None)


def test_carrying_keeps_the_range_by_the_same_scene_relative_mapping(video, cut):
    scene = factories.SceneFactory(video=video, name="BreakDownName")
    factories.SceneSpanFactory(cut=cut, scene=scene, start_s=350, end_s=400)
    comment = comment_create(cut=cut, text="Flicker", timestamp_s=362, timestamp_end_s=370)
    findings_triage(comment_id=comment.pk)
    finding = Finding.objects.get(comment=comment)
    erratum = erratum_create_from_findings(finding_ids=[finding.pk])
    # In the next cut the scene starts ten seconds later.
    new_cut = factories.CutFactory(video=video, number=2, duration_s=1163.0)
    factories.SceneSpanFactory(cut=new_cut, scene=scene, start_s=360, end_s=410)

    errata_carry_to_cut(from_cut=cut, to_cut=new_cut)

    erratum.refresh_from_db()
    finding.refresh_from_db()
    assert (erratum.cut_id, erratum.timestamp_s, erratum.timestamp_end_s) == (new_cut.pk, 372, 380)
    assert (finding.timestamp_s, finding.timestamp_end_s) == (372, 380)


def test_a_range_cut_short_by_a_shorter_cut_ends_at_its_end(video, cut):
    erratum = factories.ErratumFactory(cut=cut, timestamp_s=1150, timestamp_end_s=1153)
    new_cut = factories.CutFactory(video=video, number=2, duration_s=1151.0)
    errata_carry_to_cut(from_cut=cut, to_cut=new_cut)
    erratum.refresh_from_db()
    assert (erratum.timestamp_s, erratum.timestamp_end_s) == (1150, 1151)


def test_the_database_refuses_a_range_ending_before_it_starts(cut):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Erratum.objects.create(
            video=cut.video,
            cut=cut,
            found_in_cut=cut,
            title="x",
            category="typo",
            timestamp_s=10,
            timestamp_end_s=5,
        )
