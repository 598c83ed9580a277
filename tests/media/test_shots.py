"""Shot changes found in a cut's video (PySceneDetect on a real clip), proposed as spans named in
a manim source's scene order, confirmed by the creator, and scored against a known timeline."""

from __future__ import annotations

import pytest

from errata.catalog.manim import manim_scenes_read
from errata.catalog.services import scenes_import_from_source
from errata.media.shots import boundary_scores, shots_detect, spans_propose
from errata.models import CutMedia
from tests import factories
from tests.media.videos import make_cards, needs_ffmpeg

MANIM_SOURCE = """
from manimlib import *

class Intro(Scene):
    pass

class ShowNetwork(InteractiveScene):
    pass

class Helper:
    pass

class Outro(Scene):
    pass
"""


@needs_ffmpeg
def test_hard_cuts_between_colour_cards_are_found_where_they_are(tmp_path):
    clip = make_cards(tmp_path, ["red", "blue", "green", "white"], seconds_each=2.0)
    boundaries = shots_detect(clip)
    assert boundaries == pytest.approx([2.0, 4.0, 6.0], abs=0.15)


@pytest.mark.parametrize(
    ("detected", "reference", "expected"),
    [
        ([2.0, 4.0, 6.0], [2.0, 4.0, 6.0], (1.0, 1.0)),
        ([2.1, 3.7], [2.0, 4.0, 6.0], (1.0, 2 / 3)),
        ([2.0, 2.1, 4.0], [2.0, 4.0], (2 / 3, 1.0)),  # one reference boundary, one match
        ([9.0], [2.0], (0.0, 0.0)),
        ([], [2.0], (0.0, 0.0)),
        ([], [], (1.0, 1.0)),
    ],
)
def test_boundary_scores_match_each_reference_boundary_once(detected, reference, expected):
    scores = boundary_scores(detected, reference, tolerance_s=0.5)
    assert (scores.precision, scores.recall) == pytest.approx(expected)


def test_proposed_spans_take_the_source_order_and_then_shot_numbers():
    spans = spans_propose([2.0, 4.0, 6.0, 99.0], duration_s=8.0, scene_names=["Intro", "Net"])
    assert [(s.name, s.start_s, s.end_s) for s in spans] == [
        ("Intro", 0.0, 2.0),
        ("Net", 2.0, 4.0),
        ("Shot 3", 4.0, 6.0),
        ("Shot 4", 6.0, 8.0),
    ]


@pytest.mark.django_db
def test_the_timeline_page_proposes_spans_named_from_the_manim_source_and_uses_them(
    client, creator, video
):
    client.force_login(creator)
    cut = factories.CutFactory(video=video, number=1, duration_s=8.0)
    cut.media_file.name = "cuts/original.mp4"
    cut.save()
    factories.CutMediaFactory(cut=cut, status=CutMedia.Status.READY, shots=[2.0, 5.5])
    scenes_import_from_source(
        video=video, scenes=manim_scenes_read(MANIM_SOURCE, filename="part1.py"), source_path="p.py"
    )
    url = f"/studio/videos/{video.slug}/cuts/1/timeline/"
    page = client.get(url).content.decode()
    assert "3 spans proposed from the shot changes" in page
    assert 'value="Intro"' in page and 'value="ShowNetwork"' in page and 'value="Outro"' in page

    response = client.post(
        url + "from-shots/",
        {
            "proposed-TOTAL_FORMS": "3",
            "proposed-INITIAL_FORMS": "3",
            "proposed-0-scene": "Intro",
            "proposed-0-start": "0:00",
            "proposed-0-end": "0:02",
            "proposed-1-scene": "ShowNetwork",
            "proposed-1-start": "0:02",
            "proposed-1-end": "0:05.5",
            # The creator adjusts the last one.
            "proposed-2-scene": "Outro",
            "proposed-2-start": "0:05.5",
            "proposed-2-end": "0:07",
        },
    )
    assert response.status_code == 302
    assert list(cut.spans.order_by("start_s").values_list("scene__name", "start_s", "end_s")) == [
        ("Intro", 0.0, 2.0),
        ("ShowNetwork", 2.0, 5.5),
        ("Outro", 5.5, 7.0),
    ]


@pytest.mark.django_db
def test_a_proposed_span_past_the_cuts_end_is_refused_and_nothing_changes(client, creator, video):
    client.force_login(creator)
    cut = factories.CutFactory(video=video, number=1, duration_s=8.0)
    factories.CutMediaFactory(cut=cut, status=CutMedia.Status.READY, shots=[2.0])
    response = client.post(
        f"/studio/videos/{video.slug}/cuts/1/timeline/from-shots/",
        {
            "proposed-TOTAL_FORMS": "1",
            "proposed-INITIAL_FORMS": "1",
            "proposed-0-scene": "Shot 1",
            "proposed-0-start": "0:00",
            "proposed-0-end": "0:09",
        },
    )
    assert response.status_code == 400
    assert "past the end" in response.content.decode()
    assert 'value="0:09"' in response.content.decode()
    assert not cut.spans.exists()
