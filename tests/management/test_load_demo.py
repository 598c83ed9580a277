from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from errata.models import Comment, Cut, CutMedia, Finding, Scene, SceneSpan, User, Video
from tests.media.videos import needs_ffmpeg

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "videos": Video.objects.count(),
        "cuts": Cut.objects.count(),
        "scenes": Scene.objects.count(),
        "spans": SceneSpan.objects.count(),
        "comments": Comment.objects.count(),
        "findings": Finding.objects.count(),
        "users": User.objects.count(),
    }


def test_load_demo_creates_the_seed_video_cut_scenes_comments_and_creator(
    capsys, django_capture_on_commit_callbacks
):
    # Triage is queued on commit; the test's transaction never commits, so run the callbacks.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo")
    cut = Cut.objects.get(video__slug="nn-part1", number=1)
    assert cut.duration_s == 1153
    assert cut.effective_fps == 30
    assert cut.spans.count() == 41
    assert Scene.objects.filter(video=cut.video).count() == 41
    assert cut.comments.count() == 43
    assert cut.comments.filter(author_role="creator").count() == 10
    # Spans come from the EDL, in timeline order, clip names mapped to scene names.
    first, last = cut.spans.order_by("start_s")[0], cut.spans.order_by("-start_s")[0]
    assert (first.scene.name, first.start_s, first.end_s) == ("ExampleThrees", 0, 38)
    assert (last.scene.name, last.end_s) == ("NNPatreonThanks", 1153)
    # Comments keep their authors and their text exactly.
    ben = cut.comments.get(external_id="c15")
    assert ben.author_name == "Ben Granger"
    assert ben.text.startswith("Great video! In terms of error-catching, at around 6:03")
    raw_html = cut.comments.get(external_id="c12")
    assert '<a href="https://www.youtube.com/watch?v=bLqJHjXihK8&amp;feature=youtu.be"' in (
        raw_html.text
    )
    # Triage ran (eagerly) on every patron comment; creator replies yield no findings.
    assert not cut.comments.filter(triage_state="pending").exists()
    assert not Finding.objects.filter(comment__author_role="creator").exists()
    assert Finding.objects.filter(comment__external_id="c04").count() == 5
    creator = User.objects.get(username="creator")
    assert creator.check_password("errata-demo")
    assert creator.memberships.filter(team=cut.video.team).exists()
    assert "creator / errata-demo" in capsys.readouterr().out


def test_load_demo_twice_changes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo")
    before = _counts()
    password_hash = User.objects.get(username="creator").password
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo")
    assert _counts() == before
    assert User.objects.get(username="creator").password == password_hash


def test_load_demo_refuses_the_published_password_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--password"):
        call_command("load_demo", "--no-video", stdout=io.StringIO())
    assert not User.objects.exists()


def test_load_demo_with_debug_off_takes_a_password_or_makes_one(settings, capsys):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="too short"):
        call_command("load_demo", "--no-video", password="abc", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", "--no-video", generate_password=True, stdout=out)
    password = out.getvalue().split("Creator login: creator / ")[1].split(" ")[0]
    creator = User.objects.get(username="creator")
    assert creator.check_password(password)
    assert not creator.check_password("errata-demo")
    assert len(password) >= 20


@needs_ffmpeg
def test_the_demo_cut_gets_a_real_video_processed_like_an_upload_and_a_fixed_cut_2(
    settings, tmp_path, capsys, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--fixed-cut", password="errata-demo")
    cut = Cut.objects.get(video__slug="nn-part1", number=1)
    media = CutMedia.objects.get(cut=cut)
    assert media.status == CutMedia.Status.READY, media.error
    # The file has the cut's own length and frame rate, and the YouTube address stays as the
    # source the creator can switch to.
    assert (cut.duration_s, cut.effective_fps) == (1153, 30)
    assert media.probe["duration_s"] == 1153 and media.probe["fps"] == 30
    assert (media.probe["width"], media.probe["height"]) == (426, 240)
    assert cut.media_url == "https://www.youtube.com/watch?v=aircAruvnKk"
    assert media.content_type == "video/mp4" and not media.prefer_url
    assert cut.media_file.size < 8 * 1024 * 1024
    assert media.sprite_index["count"] == 97 and media.shots is not None
    # Cut 2: "maybe", and every scene from LayOutPlan on two seconds later.
    fixed = Cut.objects.get(video=cut.video, number=2)
    assert fixed.duration_s == 1155 and fixed.media.status == CutMedia.Status.READY
    typo = {
        span.cut_id: span for span in SceneSpan.objects.filter(scene__name="BreakUpMacroPatterns")
    }
    assert (typo[cut.pk].start_s, typo[fixed.pk].start_s) == (330, 332)
    # (Processed once the command's transaction committed: in this test, after it printed.)
    assert "Cut 1's video: waiting for a worker." in capsys.readouterr().out

    before = (_counts(), cut.media_file.name, fixed.media_file.name)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--fixed-cut", password="errata-demo")
    cut.refresh_from_db()
    fixed.refresh_from_db()
    assert (_counts(), cut.media_file.name, fixed.media_file.name) == before
