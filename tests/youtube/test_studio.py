"""Connecting a cut to YouTube from the cut page, and what a bad address gets."""

from __future__ import annotations

import pytest

from errata.models import YouTubeConnection

pytestmark = pytest.mark.django_db


def test_a_member_connects_the_cut_and_the_page_shows_its_status(
    client, creator, cut, settings, django_capture_on_commit_callbacks
):
    settings.YOUTUBE_API_KEY = ""  # nothing is asked of YouTube in this test
    client.force_login(creator)
    url = f"/studio/videos/{cut.video.slug}/cuts/1/youtube/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"youtube_video": "https://youtu.be/aircAruvnKk"})
    assert response.status_code == 302
    connection = YouTubeConnection.objects.get(cut=cut)
    assert connection.youtube_video_id == "aircAruvnKk"
    # The pull ran at once (tasks run in-process here) and, without a key, stopped saying why.
    page = client.get(f"/studio/videos/{cut.video.slug}/cuts/1/").content.decode()
    assert "No YouTube API key is set (YOUTUBE_API_KEY)" in page
    assert "Stopped." in page


@pytest.mark.parametrize("given", ["", "https://vimeo.com/1", "<script>", "x" * 600])
def test_a_bad_video_is_refused_with_a_message_naming_the_field(client, creator, cut, given):
    client.force_login(creator)
    response = client.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/youtube/", {"youtube_video": given}, follow=True
    )
    assert "YouTube video:" in response.content.decode()
    assert not YouTubeConnection.objects.exists()


def test_an_outsider_cannot_connect_anothers_cut(client, outsider, cut):
    client.force_login(outsider)
    response = client.post(
        f"/studio/videos/{cut.video.slug}/cuts/1/youtube/", {"youtube_video": "aircAruvnKk"}
    )
    assert response.status_code == 404
    assert not YouTubeConnection.objects.exists()
