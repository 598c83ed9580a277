"""Pulling a connected cut's YouTube comments through the Data API v3 (recorded answers with
`responses`, in the API's own shapes): the first pull imports every thread with its replies,
the next adds only new ones, and quota and rate limits back off and show in the studio."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.utils import timezone

from errata.models import Comment, YouTubeConnection
from errata.youtube.services import (
    quota_resets_at,
    youtube_connect,
    youtube_pull,
    youtube_pulls_queue,
    youtube_video_id,
)

pytestmark = pytest.mark.django_db

API = "https://youtube.test/youtube/v3"
VIDEO = "aircAruvnKk"
CHANNEL = "UCYO_jab_esuFRV4b17AJtAw"


@pytest.fixture(autouse=True)
def _youtube_settings(settings):
    settings.YOUTUBE_API_URL = API
    settings.YOUTUBE_API_KEY = "test-key"
    settings.YOUTUBE_PULL_SECONDS = 900


def comment(cid: str, text: str, author: str, at: datetime, parent: str = "") -> dict:
    snippet = {
        "videoId": VIDEO,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": f"@{author}",
        "authorChannelId": {"value": f"UC-{author}"},
        "publishedAt": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updatedAt": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "id": cid, "snippet": snippet}


def thread(tid: str, text: str, at: datetime, replies: int = 0, inline: int | None = None) -> dict:
    reply_list = [
        comment(f"{tid}.r{i}", f"Reply {i} to {tid}", f"replier{i}", at + timedelta(minutes=i), tid)
        for i in range(1, replies + 1)
    ]
    shown = reply_list[: INLINE if inline is None else inline]
    body = {
        "kind": "youtube#commentThread",
        "id": tid,
        "snippet": {
            "channelId": CHANNEL,
            "videoId": VIDEO,
            "topLevelComment": comment(tid, text, f"author-{tid}", at),
            "canReply": True,
            "totalReplyCount": replies,
            "isPublic": True,
        },
    }
    if shown:
        body["replies"] = {"comments": shown}
    return body, reply_list


INLINE = 5
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _page(threads: list[dict], next_token: str = "") -> dict:
    page = {"kind": "youtube#commentThreadListResponse", "items": threads}
    if next_token:
        page["nextPageToken"] = next_token
    return page


def _quota_error(reason: str = "quotaExceeded", status: int = 403) -> dict:
    return {
        "error": {
            "code": status,
            "message": "The request cannot be completed because you have exceeded your quota.",
            "errors": [{"message": "quota", "domain": "youtube.quota", "reason": reason}],
        }
    }


@pytest.fixture
def connection(cut, creator, django_capture_on_commit_callbacks):
    return youtube_connect(cut=cut, video=f"https://www.youtube.com/watch?v={VIDEO}", user=creator)


def _threads_url() -> str:
    return f"{API}/commentThreads"


@responses.activate
def test_the_first_pull_imports_every_thread_with_all_its_replies(connection, cut):
    long_thread, long_replies = thread("T5", "At 6:03 it says mabye", T0, replies=7)
    newest = [thread(f"T{i}", f"Comment {i} at {i}:00", T0 - timedelta(hours=i))[0] for i in (1, 2)]
    older = [thread("T3", "Typo at 3:00", T0 - timedelta(hours=3), replies=2)[0]]
    responses.get(_threads_url(), json=_page([long_thread, *newest], "page-2"))
    responses.get(_threads_url(), json=_page(older))
    responses.get(f"{API}/comments", json={"items": long_replies})

    result = youtube_pull(connection_id=connection.pk)

    assert (result.threads, result.added, result.pages) == (4, 4 + 7 + 2, 2)
    assert Comment.objects.filter(cut=cut, source="import:youtube", parent=None).count() == 4
    assert Comment.objects.get(external_id="T5.r7").parent.external_id == "T5"
    first = responses.calls[0].request
    assert (
        "key=test-key" in first.url
        and "order=time" in first.url
        and "part=snippet%2Creplies" in first.url
    )
    assert "pageToken=page-2" in responses.calls[1].request.url
    assert "parentId=T5" in responses.calls[2].request.url
    connection.refresh_from_db()
    assert connection.status == "ok" and connection.comments_added == 13
    assert connection.newest_thread_at == T0


@responses.activate
def test_a_second_pull_adds_only_the_new_threads_and_stops_at_the_known_ones(connection, cut):
    first = [
        thread(f"T{i}", f"Comment {i}", T0 - timedelta(hours=i), replies=1)[0] for i in range(3)
    ]
    responses.get(_threads_url(), json=_page(first))
    youtube_pull(connection_id=connection.pk)
    assert Comment.objects.filter(cut=cut).count() == 6

    newer = [
        thread(f"N{i}", f"New {i} at 1:0{i}", T0 + timedelta(hours=i + 1))[0] for i in range(2)
    ]
    responses.replace(responses.GET, _threads_url(), json=_page([*newer, *first], "never-read"))
    later = timezone.now() + timedelta(seconds=901)
    result = youtube_pull(connection_id=connection.pk, now=later)

    assert (result.threads, result.added, result.pages) == (2, 2, 1)
    assert Comment.objects.filter(cut=cut).count() == 8
    assert not any("pageToken=never-read" in c.request.url for c in responses.calls)
    # Nothing is due before the interval has passed.
    assert youtube_pull(connection_id=connection.pk, now=later + timedelta(seconds=10)) is None


@responses.activate
def test_a_used_up_quota_waits_for_midnight_pacific_and_the_studio_says_so(
    connection, client, creator, cut
):
    responses.get(_threads_url(), json=_quota_error(), status=403)
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 07:00 in Los Angeles
    YouTubeConnection.objects.update(next_pull_at=now)

    assert youtube_pull(connection_id=connection.pk, now=now) is None

    connection.refresh_from_db()
    assert connection.status == "backing_off"
    assert connection.next_pull_at == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 00:00 PST
    assert youtube_pull(connection_id=connection.pk, now=now + timedelta(hours=1)) is None
    assert len(responses.calls) == 1  # not asked again before the quota is back
    client.force_login(creator)
    page = client.get(f"/studio/videos/{cut.video.slug}/cuts/1/").content.decode()
    assert "daily quota is used up" in page
    assert "Backing off" in page


@responses.activate
def test_rate_limits_back_off_doubling_then_a_good_pull_resets(connection, cut, settings):
    responses.get(_threads_url(), json=_quota_error("rateLimitExceeded"), status=403)
    now = timezone.now()
    youtube_pull(connection_id=connection.pk, now=now)
    connection.refresh_from_db()
    assert connection.next_pull_at == now + timedelta(seconds=900)
    youtube_pull(connection_id=connection.pk, now=connection.next_pull_at)
    second = connection.next_pull_at
    connection.refresh_from_db()
    assert connection.next_pull_at == second + timedelta(seconds=1800)
    assert connection.failures == 2

    responses.replace(responses.GET, _threads_url(), json=_page([thread("T1", "Hi", T0)[0]]))
    youtube_pull(connection_id=connection.pk, now=connection.next_pull_at)
    connection.refresh_from_db()
    assert (connection.status, connection.failures, connection.last_error) == ("ok", 0, "")


@responses.activate
def test_comments_turned_off_stop_the_connection(connection):
    responses.get(_threads_url(), json=_quota_error("commentsDisabled"), status=403)
    youtube_pull(connection_id=connection.pk)
    connection.refresh_from_db()
    assert (connection.status, connection.is_active) == ("failed", False)
    assert "commentsDisabled" in connection.last_error


@responses.activate
def test_youtube_down_or_talking_nonsense_backs_off(connection):
    responses.get(_threads_url(), body="<html>502</html>", status=502)
    youtube_pull(connection_id=connection.pk)
    connection.refresh_from_db()
    assert connection.status == "backing_off"
    responses.replace(responses.GET, _threads_url(), body="not json", status=200)
    youtube_pull(connection_id=connection.pk, now=connection.next_pull_at)
    connection.refresh_from_db()
    assert connection.status == "backing_off" and "not JSON" in connection.last_error


@responses.activate
def test_a_malformed_thread_imports_nothing_and_backs_off(connection, cut):
    broken = {"id": "X", "snippet": {"topLevelComment": {"id": "X", "snippet": {}}}}
    responses.get(_threads_url(), json=_page([thread("T1", "fine", T0)[0], broken]))
    assert youtube_pull(connection_id=connection.pk) is None
    assert not Comment.objects.exists()
    connection.refresh_from_db()
    assert connection.status == "backing_off" and "has no text" in connection.last_error


def test_beat_queues_only_active_connections_that_are_due(connection, cut):
    YouTubeConnection.objects.update(next_pull_at=timezone.now() + timedelta(hours=1))
    assert youtube_pulls_queue() == 0
    assert youtube_pulls_queue(now=timezone.now() + timedelta(hours=2)) == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("aircAruvnKk", "aircAruvnKk"),
        ("https://www.youtube.com/watch?v=aircAruvnKk&t=42s", "aircAruvnKk"),
        ("https://youtu.be/aircAruvnKk?si=abc", "aircAruvnKk"),
        ("https://www.youtube.com/shorts/aircAruvnKk", "aircAruvnKk"),
        ("https://www.youtube.com/embed/aircAruvnKk", "aircAruvnKk"),
    ],
)
def test_a_video_is_given_by_address_or_id(given, expected):
    assert youtube_video_id(given) == expected


@pytest.mark.parametrize("given", ["", "short", "https://vimeo.com/12345", "x" * 10_000, "a\x00b"])
def test_anything_else_is_refused_naming_the_field(given):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        youtube_video_id(given)
    assert list(refused.value.message_dict) == ["youtube_video"]


def test_the_quota_comes_back_at_midnight_in_los_angeles_summer_and_winter():
    assert quota_resets_at(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == datetime(
        2026, 7, 1, 7, 0, tzinfo=UTC
    )
    assert quota_resets_at(datetime(2026, 1, 15, 9, 0, tzinfo=UTC)) == datetime(
        2026, 1, 16, 8, 0, tzinfo=UTC
    )


@responses.activate
def test_captions_come_through_the_same_connection_with_the_owners_google_account(
    connection, cut, creator
):
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
    from django.core.exceptions import ValidationError

    from errata.models import TranscriptLine
    from errata.youtube.services import youtube_captions_import
    from tests.catalog.test_transcripts import VTT

    with pytest.raises(ValidationError, match="connect your Google account"):
        youtube_captions_import(cut=cut, user=creator)

    account = SocialAccount.objects.create(user=creator, provider="google", uid="g-1")
    app = SocialApp.objects.create(provider="google", name="Google", client_id="c")
    SocialToken.objects.create(account=account, app=app, token="ya29.owner")
    responses.get(
        f"{API}/captions",
        json={
            "items": [
                {"id": "auto", "snippet": {"trackKind": "asr", "language": "en"}},
                {"id": "by-hand", "snippet": {"trackKind": "standard", "language": "en"}},
            ]
        },
    )
    responses.get(f"{API}/captions/by-hand", body=VTT, content_type="text/vtt")

    result = youtube_captions_import(cut=cut, user=creator)

    assert result.lines == 3
    assert TranscriptLine.objects.filter(cut=cut, source="youtube").count() == 3
    download = responses.calls[-1].request
    assert download.headers["Authorization"] == "Bearer ya29.owner"
    assert "tfmt=vtt" in download.url and "key=" not in download.url


@responses.activate
def test_pull_now_waits_out_a_used_up_quota_but_not_a_rate_limit(connection):
    from errata.youtube.services import youtube_pull_soon

    responses.get(_threads_url(), json=_quota_error(), status=403)
    youtube_pull(connection_id=connection.pk)
    connection.refresh_from_db()
    resets = connection.next_pull_at
    youtube_pull_soon(connection=connection)
    connection.refresh_from_db()
    assert connection.next_pull_at == resets

    YouTubeConnection.objects.update(last_error="YouTube did not answer (rateLimitExceeded)")
    connection.refresh_from_db()
    youtube_pull_soon(connection=connection)
    connection.refresh_from_db()
    assert connection.next_pull_at <= timezone.now()
