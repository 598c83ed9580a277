"""Pulling a connected cut's YouTube comments, incrementally, through the idempotent importer.

A YouTubeConnection ties a cut to a published video. Beat runs youtube_pulls_queue every
YOUTUBE_PULL_SECONDS; it queues `errata.youtube_pull` for each connection that is due. A pull
reads comment threads newest first, page by page, and stops at the first page that reaches a
thread it has seen (the newest thread of the last pull); threads with more replies than the
five commentThreads carries get the rest from comments.list. The threads are handed to
io.services.comments_import as a commentThreads file, which skips what it already has, so a pull
repeated or overlapping adds nothing twice.

Quota: a used-up daily quota waits until midnight Pacific time, when YouTube resets it; rate
limits and network trouble back off, doubling from YOUTUBE_PULL_SECONDS up to six hours; a video
whose comments are off (or a bad key) stops the connection. Each outcome is the studio's
status line.
"""

from __future__ import annotations

import io
import json
import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.socialaccount.models import SocialToken
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from errata.catalog.services import TranscriptImportResult, transcript_import
from errata.catalog.transcripts import TranscriptFileError, transcript_read
from errata.core.errors import ErrataConflict
from errata.core.queue import enqueue_each
from errata.io.readers import CommentFileError
from errata.io.services import comments_import
from errata.models import Cut, TranscriptLine, User, YouTubeConnection
from errata.youtube.client import (
    Credentials,
    YouTubeError,
    YouTubeQuotaExceeded,
    YouTubeRateLimited,
    YouTubeStopped,
    caption_download,
    captions_list,
    comment_threads_page,
    thread_replies,
)

PULL_TASK = "errata.youtube_pull"
MAX_BACKOFF = timedelta(hours=6)
# YouTube resets every project's daily quota at midnight in this zone.
QUOTA_ZONE = zoneinfo.ZoneInfo("America/Los_Angeles")
# The replies commentThreads carries for each thread; past this, comments.list has the rest.
INLINE_REPLIES = 5

_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIDEO_ID_IN_URL = re.compile(
    r"(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|live/)|youtu\.be/)([A-Za-z0-9_-]{11})"
)


def youtube_video_id(text: str) -> str:
    """The 11-character id from an id or a YouTube address (watch, youtu.be, embed, shorts)."""
    text = (text or "").strip()
    if _VIDEO_ID.match(text):
        return text
    match = _VIDEO_ID_IN_URL.search(text[:500])
    if match:
        return match.group(1)
    raise ValidationError(
        {
            "youtube_video": gettext(
                "Give the video's address (https://www.youtube.com/watch?v=...) or id."
            )
        }
    )


def youtube_connect(*, cut: Cut, video: str, user: User) -> YouTubeConnection:
    """Connect a cut to a YouTube video (or change which one); the first pull is due at once."""
    video_id = youtube_video_id(video)
    with transaction.atomic():
        connection, _ = YouTubeConnection.objects.update_or_create(
            cut=cut,
            defaults={
                "youtube_video_id": video_id,
                "is_active": True,
                "status": YouTubeConnection.Status.WAITING,
                "newest_thread_at": None,
                "next_pull_at": timezone.now(),
                "failures": 0,
                "last_error": "",
                "connected_by": user,
            },
        )
        enqueue_each(PULL_TASK, [connection.pk])
    return connection


def youtube_disconnect(*, cut: Cut) -> bool:
    return bool(YouTubeConnection.objects.filter(cut=cut).update(is_active=False))


QUOTA_MESSAGE = "YouTube's daily quota is used up; it comes back at midnight Pacific time."


def youtube_pull_soon(*, connection: YouTubeConnection) -> None:
    """The studio's "Pull now": due at once (a quota wait stays: asking now would only fail)."""
    waiting_for_quota = (
        connection.status == YouTubeConnection.Status.BACKING_OFF
        and connection.last_error == QUOTA_MESSAGE
        and connection.next_pull_at > timezone.now()
    )
    if waiting_for_quota:
        return
    with transaction.atomic():
        YouTubeConnection.objects.filter(pk=connection.pk).update(
            next_pull_at=timezone.now(), is_active=True
        )
        enqueue_each(PULL_TASK, [connection.pk])


def youtube_pulls_queue(*, now: datetime | None = None, limit: int = 200) -> int:
    """Beat's run: queue a pull for every active connection that is due."""
    now = now or timezone.now()
    due = list(
        YouTubeConnection.objects.filter(is_active=True, next_pull_at__lte=now)
        .order_by("next_pull_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue_each(PULL_TASK, due)
    return len(due)


def _credentials(connection: YouTubeConnection) -> Credentials | None:
    if settings.YOUTUBE_API_KEY:
        return Credentials(api_key=settings.YOUTUBE_API_KEY)
    if connection.connected_by_id:
        token = (
            SocialToken.objects.filter(
                account__user_id=connection.connected_by_id, account__provider="google"
            )
            .order_by("-pk")
            .values_list("token", flat=True)
            .first()
        )
        if token:
            return Credentials(access_token=token)
    return None


def _published(thread: dict) -> datetime | None:
    try:
        value = thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"]
    except (KeyError, TypeError):
        return None
    moment = parse_datetime(str(value)) if value else None
    return moment if moment is None or timezone.is_aware(moment) else None


@dataclass(frozen=True)
class PullResult:
    threads: int
    added: int
    skipped: int
    pages: int


def _new_threads(
    connection: YouTubeConnection, credentials: Credentials
) -> tuple[list[dict], int, datetime | None]:
    """The threads newer than the last pull's newest, and the pages it took."""
    threads: list[dict] = []
    newest = connection.newest_thread_at
    page_token = ""
    pages = 0
    while pages < settings.YOUTUBE_MAX_PAGES:
        page = comment_threads_page(
            video_id=connection.youtube_video_id, credentials=credentials, page_token=page_token
        )
        pages += 1
        reached_known = False
        for thread in page.get("items", []):
            published = _published(thread)
            if (
                connection.newest_thread_at is not None
                and published is not None
                and published <= connection.newest_thread_at
            ):
                reached_known = True
                continue
            threads.append(thread)
            if published is not None and (newest is None or published > newest):
                newest = published
        page_token = str(page.get("nextPageToken") or "")
        if reached_known or not page_token:
            break
    return threads, pages, newest


def _with_all_replies(thread: dict, credentials: Credentials) -> dict:
    snippet = thread.get("snippet") if isinstance(thread, dict) else None
    if not isinstance(snippet, dict):
        return thread
    total = snippet.get("totalReplyCount")
    inline = ((thread.get("replies") or {}).get("comments")) or []
    if isinstance(total, int) and total > len(inline) and thread.get("id"):
        replies = thread_replies(parent_id=str(thread["id"]), credentials=credentials)
        thread = {**thread, "replies": {"comments": replies}}
    return thread


def _backoff(failures: int) -> timedelta:
    return min(
        timedelta(seconds=settings.YOUTUBE_PULL_SECONDS) * 2 ** max(failures - 1, 0), MAX_BACKOFF
    )


def quota_resets_at(now: datetime) -> datetime:
    """Midnight Pacific time after `now`, when YouTube gives the day's quota back."""
    local = now.astimezone(QUOTA_ZONE)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), QUOTA_ZONE)
    return midnight.astimezone(zoneinfo.ZoneInfo("UTC"))


def youtube_pull(*, connection_id: int, now: datetime | None = None) -> PullResult | None:
    """One pull of one connection (the task). None when it is not due, inactive, or another
    worker holds it. Every outcome is recorded on the connection."""
    now = now or timezone.now()
    with transaction.atomic():
        connection = (
            YouTubeConnection.objects.select_for_update(skip_locked=True)
            .select_related("cut__video")
            .filter(pk=connection_id, is_active=True, next_pull_at__lte=now)
            .first()
        )
        if connection is None:
            return None
        # Claimed: the next beat run does not queue it again while this pull runs.
        YouTubeConnection.objects.filter(pk=connection.pk).update(
            next_pull_at=now + timedelta(seconds=settings.YOUTUBE_PULL_SECONDS)
        )
    credentials = _credentials(connection)
    if credentials is None:
        _record(
            connection,
            now,
            status=YouTubeConnection.Status.FAILED,
            error="No YouTube API key is set (YOUTUBE_API_KEY) and the person who connected "
            "this cut has not connected a Google account.",
            stop=True,
        )
        return None
    try:
        threads, pages, newest = _new_threads(connection, credentials)
        threads = [_with_all_replies(t, credentials) for t in threads]
    except YouTubeQuotaExceeded:
        resets = quota_resets_at(now)
        _record(
            connection,
            now,
            status=YouTubeConnection.Status.BACKING_OFF,
            error=QUOTA_MESSAGE,
            next_at=resets,
        )
        return None
    except YouTubeRateLimited as error:
        failures = connection.failures + 1
        _record(
            connection,
            now,
            status=YouTubeConnection.Status.BACKING_OFF,
            error=f"YouTube did not answer ({error.reason or 'error'}: {error})",
            next_at=now + _backoff(failures),
        )
        return None
    except YouTubeStopped as error:
        _record(
            connection,
            now,
            status=YouTubeConnection.Status.FAILED,
            error=f"YouTube refused: {error} ({error.reason or error.status}).",
            stop=True,
        )
        return None
    except YouTubeError as error:  # pragma: no cover - every kind is sorted above
        _record(
            connection, now, status=YouTubeConnection.Status.FAILED, error=str(error), stop=True
        )
        return None

    added = skipped = 0
    if threads:
        document = json.dumps({"items": threads}).encode()
        try:
            result = comments_import(
                cut=connection.cut, fmt="youtube", open_file=lambda: io.BytesIO(document)
            )
        except (CommentFileError, ErrataConflict) as error:
            # Nothing was written; the same threads are read again on the next try.
            _record(
                connection,
                now,
                status=YouTubeConnection.Status.BACKING_OFF,
                error=f"The comments could not be imported: {error}",
            )
            return None
        added, skipped = result.added, result.skipped
    YouTubeConnection.objects.filter(pk=connection.pk).update(
        status=YouTubeConnection.Status.OK,
        newest_thread_at=newest,
        threads_seen=connection.threads_seen + len(threads),
        comments_added=connection.comments_added + added,
        last_pulled_at=now,
        next_pull_at=now + timedelta(seconds=settings.YOUTUBE_PULL_SECONDS),
        failures=0,
        last_error="",
    )
    return PullResult(threads=len(threads), added=added, skipped=skipped, pages=pages)


def _record(
    connection: YouTubeConnection,
    now: datetime,
    *,
    status: str,
    error: str,
    next_at: datetime | None = None,
    stop: bool = False,
) -> None:
    YouTubeConnection.objects.filter(pk=connection.pk).update(
        status=status,
        last_error=error[:500],
        failures=connection.failures + 1,
        last_pulled_at=now,
        next_pull_at=next_at or now + _backoff(connection.failures + 1),
        is_active=not stop,
    )


def youtube_captions_import(*, cut: Cut, user: User) -> TranscriptImportResult:
    """The connected video's captions as the cut's transcript, through the same connection.
    captions.download is the video owner's to allow, so it needs the Google account (allauth's
    token) of someone who may edit the video; an API key alone can only list the tracks. A
    track written by a person is preferred to YouTube's automatic one."""
    connection = YouTubeConnection.objects.filter(cut=cut).first()
    if connection is None:
        raise ValidationError(
            {"youtube_video": gettext("Connect this cut to its YouTube video first.")}
        )
    token = (
        SocialToken.objects.filter(account__user=user, account__provider="google")
        .order_by("-pk")
        .values_list("token", flat=True)
        .first()
    )
    if not token:
        raise ValidationError(
            {
                "youtube_video": gettext(
                    "Captions are downloaded with the video owner's permission: "
                    "connect your Google account (Account > Connected accounts) and try again."
                )
            }
        )
    credentials = Credentials(access_token=token)
    try:
        tracks = captions_list(video_id=connection.youtube_video_id, credentials=credentials)
        tracks = [t for t in tracks if isinstance(t.get("snippet"), dict) and t.get("id")]
        if not tracks:
            raise ValidationError({"youtube_video": gettext("This video has no caption tracks.")})
        tracks.sort(
            key=lambda t: (t["snippet"].get("trackKind") == "asr", t["snippet"].get("language", ""))
        )
        text = caption_download(caption_id=str(tracks[0]["id"]), credentials=credentials)
    except YouTubeError as error:
        raise ValidationError(
            {"youtube_video": gettext("YouTube refused the captions: %(error)s") % {"error": error}}
        ) from None
    try:
        cues = transcript_read(text, filename="YouTube captions")
    except TranscriptFileError as error:
        raise ValidationError(
            {"youtube_video": gettext("YouTube's captions: %(error)s") % {"error": error}}
        ) from None
    return transcript_import(cut=cut, cues=cues, source=TranscriptLine.Source.YOUTUBE)
